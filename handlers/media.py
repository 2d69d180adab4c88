"""Show a run's screen in its one message: an animation (or picture) with a caption, or text.

- A new run message with a picture is sent with sendAnimation (sendPhoto for the summary's
  picture); an existing one is edited in place: editMessageMedia when the picture changes
  (another exercise, version or side), editMessageCaption when only the words or buttons do.
- Each picture is uploaded once per bot: the file_id Telegram returns is stored by the
  picture's content hash (bot/services/media.py) and named from then on. A file_id Telegram
  refuses is forgotten and the file uploaded again, once.
- A text message cannot become a picture (Telegram edits media only in a media message): a
  run whose message is text goes on as text in it.
- A picture that cannot be shown (the render failed, Telegram refused or failed the media
  call) falls back to the text screen: sent as a new message that the run moves to, so the
  press, already saved, is never lost. A time-out is not followed by anything: the call may
  have gone through (common.py), and the next press redraws the message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InputFile, InputMediaAnimation, InputMediaPhoto, Message
from telegram.error import BadRequest, TimedOut

from bot.media.catalog import MediaFile
from bot.services import Services
from bot.services.routines import RunView
from handlers.common import TELEGRAM_FAULTS, edit_message, is_not_modified, send_to
from handlers.context import CoachContext
from handlers.screen import Screen

logger = logging.getLogger(__name__)


def is_wrong_file(error: BadRequest) -> bool:
    """Return whether Telegram refused a file_id it does not know (for this bot)."""
    text = error.message.lower()
    # Sends say "wrong file identifier"; editMessageMedia says MEDIA_EMPTY for an unknown id.
    return "wrong file identifier" in text or "file reference" in text or "media_empty" in text


def shows_media(message: Message) -> bool:
    """Return whether a message is a picture or an animation (its text is a caption)."""
    return bool(message.animation or message.photo or message.video or message.document)


def _shown_unique_id(message: Message) -> str | None:
    if message.animation is not None:
        return message.animation.file_unique_id
    if message.photo:
        return message.photo[-1].file_unique_id
    return None


class _MediaFailed(Exception):
    """The picture could not be shown; the text screen is shown instead."""


async def _media_file(services: Services, screen: Screen) -> MediaFile:
    assert screen.picture is not None
    try:
        return await services.catalog.ensure(screen.picture)
    except Exception as error:  # a broken render must not cost the press: text instead
        logger.exception("could not render %s", screen.picture)
        raise _MediaFailed from error


async def _remember(services: Services, media: MediaFile, message: Message) -> None:
    """Store the file_id of a picture just uploaded (the biggest size of a photo)."""
    if media.kind == "animation" and message.animation is not None:
        found = message.animation
        await services.media.remember(media.key, found.file_id, found.file_unique_id)
    elif media.kind == "photo" and message.photo:
        size = message.photo[-1]
        await services.media.remember(media.key, size.file_id, size.file_unique_id)


async def send_run(context: CoachContext, chat_id: int, screen: Screen) -> Message | None:
    """Send a run's screen as a new message; None when Telegram failed (not repeated)."""
    if screen.picture is not None:
        try:
            return await _send_picture(context, chat_id, screen)
        except _MediaFailed:
            logger.warning("chat %s: picture not sent, the step goes as text", chat_id)
        except TimedOut as error:
            # The animation may have arrived: a text copy would be a second live message.
            logger.warning("could not send to chat %s (not repeated): %r", chat_id, error)
            return None
    return await send_to(context.bot, chat_id, screen)


# What shows a picture: given its stored file_id, or None to upload the file itself.
Show = Callable[[str | None], Awaitable[Message | bool]]


async def _deliver(services: Services, media: MediaFile, show: Show, where: str) -> Message | bool:
    """Show a picture by its file_id, or upload it; a refused file_id is uploaded again once.

    Uploads of one picture take turns in this process: the first uploads, the others wait
    and then name its file_id (a reminder can start many runs at once). Telegram refusing or
    failing the call raises _MediaFailed; a time-out goes up as it is (it may have arrived).
    """
    known = await services.media.uploaded(media.key)
    try:
        if known is not None:
            try:
                return await show(known.file_id)
            except BadRequest as error:
                if not is_wrong_file(error):
                    raise
                logger.info("file_id of %s refused: uploading it again", media.filename)
                await services.media.forget(media.key, known.file_id)
        async with services.media.upload_turn(media.key):
            known = await services.media.uploaded(media.key)
            if known is not None:  # uploaded by another show while this one waited
                return await show(known.file_id)
            shown = await show(None)
            if isinstance(shown, Message):
                await _remember(services, media, shown)
            return shown
    except BadRequest as error:
        if is_not_modified(error):
            return True
        logger.warning("%s: %s refused: %s", where, media.filename, error.message)
        raise _MediaFailed from error
    except TimedOut:
        raise
    except TELEGRAM_FAULTS as error:
        logger.warning("%s: %s not shown: %r", where, media.filename, error)
        raise _MediaFailed from error


async def _send_picture(context: CoachContext, chat_id: int, screen: Screen) -> Message:
    """Send a screen's picture with its caption and buttons as a new message."""
    services = context.services
    media = await _media_file(services, screen)

    async def show(file_id: str | None) -> Message:
        source = file_id or InputFile(media.path.read_bytes(), filename=media.filename)
        send = context.bot.send_animation if media.kind == "animation" else context.bot.send_photo
        return await send(
            chat_id, source, caption=screen.shown_caption, reply_markup=screen.keyboard
        )

    sent = await _deliver(services, media, show, f"chat {chat_id}")
    assert isinstance(sent, Message)
    return sent


async def show_run(
    context: CoachContext,
    message: Message,
    view: RunView,
    screen: Screen,
    *,
    opening: bool = False,
) -> bool:
    """Show a run's screen in the message it lives in; return False when Telegram failed.

    opening: the run starts in this message (a reminder's, the screening question's), which
    takes the run's picture even if it is text (editMessageMedia adds media to a text
    message). Later, a run's text message stays text: it is text because the person saves
    data, or because a picture failed, and flipping back and forth helps nobody.
    A picture that cannot be shown moves the run to a new text message (the press is kept).
    """
    if not shows_media(message) and not (opening and screen.picture is not None):
        return await edit_message(message, screen)
    services = context.services
    if screen.picture is None:
        # The data saver was switched on during the run: it goes on as text, in a new message
        # (an old picture under the new step's words would show the wrong move).
        return await _move_to_text(context, message, view, screen)
    try:
        media = await _media_file(services, screen)
        known = await services.media.uploaded(media.key)
        if known is not None and known.file_unique_id == _shown_unique_id(message):
            return await _edit_caption(message, screen.shown_caption, screen)
        await _edit_media(context, message, screen, media)
        return True
    except _MediaFailed:
        return await _move_to_text(context, message, view, screen)
    except TimedOut as error:
        logger.warning("could not edit message %s: %r", message.message_id, error)
        return False


async def _edit_caption(message: Message, caption: str, screen: Screen) -> bool:
    try:
        await message.edit_caption(caption, reply_markup=screen.keyboard)
    except BadRequest as error:
        if not is_not_modified(error):
            raise
    except TELEGRAM_FAULTS as error:
        logger.warning("could not edit the caption of message %s: %r", message.message_id, error)
        return False
    return True


async def _edit_media(
    context: CoachContext, message: Message, screen: Screen, media: MediaFile
) -> None:
    """Put another picture, with the screen's caption and buttons, in the message."""
    kind = InputMediaAnimation if media.kind == "animation" else InputMediaPhoto

    async def show(file_id: str | None) -> Message | bool:
        if file_id is not None:
            # Nothing of the edited message is needed back (see CoachBot.edit_media_unread).
            item = kind(file_id, caption=screen.shown_caption)
            await context.bot.edit_media_unread(
                message.chat_id, message.message_id, item, screen.keyboard
            )
            return True
        # Bytes with a filename: PTB attaches them to the request as a part of its own. The
        # edited message Telegram sends back carries the upload's file_id.
        data = media.path.read_bytes()
        item = kind(data, caption=screen.shown_caption, filename=media.filename)
        return await message.edit_media(item, reply_markup=screen.keyboard)

    await _deliver(context.services, media, show, f"message {message.message_id}")


async def _move_to_text(
    context: CoachContext, message: Message, view: RunView, screen: Screen
) -> bool:
    """Show the screen as a new text message and make it the run's message."""
    services = context.services
    sent = await send_to(context.bot, message.chat.id, screen)
    if sent is None:
        return False
    await services.routines.attach_message(view.run_id, sent.message_id)
    await retire(context, message.chat.id, message.message_id, context.library.texts.moved_below)
    return True


async def retire(context: CoachContext, chat_id: int, message_id: int, text: str) -> None:
    """Say in a run's old message that the run moved on, and take its buttons (best effort).

    Which kind the message is need not be known: a text message takes the words as its text,
    a picture (Telegram answers that it has no text) as its caption.
    """
    bot = context.bot
    try:
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except BadRequest as error:
            if "no text in the message" not in error.message.lower():
                raise
            await bot.edit_message_caption(chat_id=chat_id, message_id=message_id, caption=text)
    except (BadRequest, *TELEGRAM_FAULTS) as error:
        # The old buttons stay; each is judged against the saved state, so they do no harm.
        logger.info("could not retire message %s: %r", message_id, error)
