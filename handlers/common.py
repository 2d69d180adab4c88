"""Small helpers every handler uses: who is asking, and showing a screen safely.

Telegram fails now and then: a 429 left after the rate limiter's retries, a 5xx, a dropped
connection, a time-out. These are not the bot's bugs, and they are handled here, once:

- An answer to a button only stops its spinner: a lost one is logged and the handler goes on.
- An edit that fails leaves the message out of date; the next press on it is judged against
  the saved state and redraws it (see handlers/routine.py _repair). Edits are never retried.
- A send that fails is never repeated: after a time-out it may well have arrived, and a
  second copy is worse than none (the person asks again).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.services.people import PersonRef
from content.i18n import language_of
from handlers.render import Screen

logger = logging.getLogger(__name__)

# Faults on Telegram's side (TimedOut is a NetworkError): the call may or may not have happened.
# PTB's BadRequest is a NetworkError too, but it is Telegram refusing what the bot asked for:
# every helper lets it through first (see is_telegram_fault).
TELEGRAM_FAULTS = (NetworkError, RetryAfter)


def is_telegram_fault(error: object) -> bool:
    """Return whether an error is Telegram failing (not refusing a bad request of the bot)."""
    return isinstance(error, TELEGRAM_FAULTS) and not isinstance(error, BadRequest)


def person_ref(update: Update) -> PersonRef | None:
    """Return who sent the update in their private chat; None anywhere else.

    Personal coaching lives in the private chat only: an update from a group never names a
    person's chat, so nothing personal is ever sent to, or remembered for, a group.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    return PersonRef(
        telegram_id=user.id,
        chat_id=chat.id,
        first_name=user.first_name or "",
        language=language_of(user.language_code),
    )


def is_not_modified(error: BadRequest) -> bool:
    """Return whether Telegram refused an edit only because nothing changed."""
    return "message is not modified" in error.message.lower()


def is_query_expired(error: BadRequest) -> bool:
    """Return whether Telegram refused an answer because the press was answered or is too old."""
    text = error.message.lower()
    return "query is too old" in text or "query id is invalid" in text


async def answer(query: CallbackQuery, text: str | None = None) -> bool:
    """Answer a press (stop its spinner, show a toast); return whether Telegram took it.

    A press answered already (the same update handled twice) or too old to answer, and a fault
    on Telegram's side, only cost the toast: they are logged and the handler carries on.
    """
    try:
        await query.answer(text)
    except BadRequest as error:
        if not is_query_expired(error):
            raise
        logger.info("press %s not answered: %s", query.id, error.message)
        return False
    except TELEGRAM_FAULTS as error:
        logger.warning("press %s not answered: %r", query.id, error)
        return False
    return True


async def _changed(call: Awaitable[object], what: str) -> bool:
    """Run an edit; an unchanged message is fine, a Telegram fault is logged (return False)."""
    try:
        await call
    except BadRequest as error:
        if not is_not_modified(error):
            raise
    except TELEGRAM_FAULTS as error:
        logger.warning("could not %s: %r", what, error)
        return False
    return True


async def _sent(call: Awaitable[Message], chat_id: int) -> Message | None:
    """Run a send; a Telegram fault is logged and not repeated (it may have arrived)."""
    try:
        return await call
    except BadRequest:
        raise
    except TELEGRAM_FAULTS as error:
        logger.warning("could not send to chat %s (not repeated): %r", chat_id, error)
        return None


async def edit(query: CallbackQuery, screen: Screen) -> bool:
    """Show a screen in the message the button was on; an unchanged message is fine.

    Return False when Telegram failed; the next press on the message redraws it.
    """
    call = query.edit_message_text(screen.text, reply_markup=screen.keyboard)
    return await _changed(call, f"edit the message of press {query.id}")


async def edit_message(message: Message, screen: Screen) -> bool:
    """Show a screen in a given message; an unchanged message is fine.

    Return False when Telegram failed; the next press on the message redraws it.
    """
    call = message.edit_text(screen.text, reply_markup=screen.keyboard)
    return await _changed(call, f"edit message {message.message_id}")


async def drop_keyboard(query: CallbackQuery) -> bool:
    """Remove the buttons from the message a button was on (its job is done).

    Return False when Telegram failed: the old buttons stay, and every one of them is judged
    against the saved state when pressed, so they do no harm.
    """
    call = query.edit_message_reply_markup(reply_markup=None)
    return await _changed(call, f"remove the buttons of press {query.id}")


async def reply(update: Update, screen: Screen) -> Message | None:
    """Send a screen to the chat of the update; None when there is no chat or Telegram failed.

    A failed send is not repeated (after a time-out it may have arrived).
    """
    chat = update.effective_chat
    if chat is None:
        return None
    return await _sent(chat.send_message(screen.text, reply_markup=screen.keyboard), chat.id)


async def send_to(bot: Bot, chat_id: int, screen: Screen) -> Message | None:
    """Send a screen as text to a chat; None when Telegram failed (not repeated)."""
    return await _sent(
        bot.send_message(chat_id, screen.text, reply_markup=screen.keyboard), chat_id
    )


async def reply_to_query(query: CallbackQuery, screen: Screen) -> Message | None:
    """Send a screen to the chat a button was pressed in; None when Telegram failed."""
    message = query.message
    if message is None:
        return None
    bot = message.get_bot()
    call = bot.send_message(message.chat.id, screen.text, reply_markup=screen.keyboard)
    return await _sent(call, message.chat.id)
