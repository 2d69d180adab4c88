"""PTB's bot with two changes: unreadable updates pass, and some answers go unread.

An update it cannot read no longer stalls long polling; a picture Telegram already has is put
into a message, and a recorded send goes out, without reading Telegram's copy of the message.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, InputMedia, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.error import TelegramError
from telegram.ext import ExtBot

logger = logging.getLogger(__name__)


class CoachBot(ExtBot[int]):
    """The bot object of the application (python-telegram-bot's ExtBot).

    PTB reads a batch of updates all or nothing. When one update in it cannot be read (a field
    of a type PTB does not expect), getUpdates raises, the Updater logs it and asks for the
    same batch again at once: the bot spins and nobody gets an answer. Here such a batch is
    fetched again and read one update at a time; an update that cannot be read is handed on
    with its id only, so the Updater confirms it and every other update is handled.
    """

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Return pending updates as PTB does, passing over any it cannot read."""
        try:
            return await super().get_updates(*args, **kwargs)
        except TelegramError:
            raise  # network and API errors: the Updater's retry loop handles those
        except Exception:
            logger.warning("an update could not be read; reading the batch one by one")
        offset = kwargs.get("offset", args[0] if args else None)
        data = {"offset": offset, "timeout": 0, "allowed_updates": kwargs.get("allowed_updates")}
        raw = await self._post("getUpdates", data)
        if not isinstance(raw, list):
            return ()
        return tuple(self._read(item) for item in raw)

    def _read(self, item: Any) -> Update:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int):
            raise TypeError("Telegram sent an update without an update_id")
        try:
            return Update.de_json(item, self)
        except Exception as error:  # whatever PTB's parser raises on unexpected shapes
            kinds = sorted(key for key in item if key != "update_id")
            # Only the kinds and the error type: the content is a person's and stays out of logs.
            logger.warning(
                "update %s (%s) could not be read (%s); passed on empty",
                update_id,
                ", ".join(kinds) or "no content",
                type(error).__name__,
            )
            return Update(update_id=update_id)

    async def edit_media_unread(
        self,
        chat_id: int,
        message_id: int,
        media: InputMedia,
        reply_markup: InlineKeyboardMarkup | None,
    ) -> None:
        """editMessageMedia, with Telegram's answer checked for errors but not read.

        Telegram answers an edit with the whole message, which PTB's edit_message_media reads
        into some fifteen objects (the picture, its thumbnail, every button again): half the
        CPU of the call (1.74 against 0.87 ms in-process on a slow machine), for a message
        nobody looks at when the picture is named by its file_id. An upload needs the answer
        (its new file_id) and goes through edit_message_media. Errors (BadRequest, RetryAfter,
        ...) are raised as there, and the defaults (the caption's parse mode) inserted as there.
        """
        data = {
            "chat_id": chat_id,
            "message_id": message_id,
            "media": media,
            "reply_markup": reply_markup,
        }
        await self._post("editMessageMedia", data)

    async def send_message_unread(
        self,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None,
        *,
        allow_paid_broadcast: bool | None = None,
    ) -> int:
        """sendMessage, returning only the new message's id (Telegram's answer is not read).

        Reminders and team posts go out by the hundred a second and keep only the message id.
        PTB's send_message reads the whole message back into objects: 7% of a paid-broadcast
        sender's CPU (py-spy). Errors are raised as there, and the defaults (parse mode, link
        previews) inserted as there.
        """
        data = {
            "chat_id": chat_id,
            "text": text,
            "reply_markup": reply_markup,
            "parse_mode": DEFAULT_NONE,
            "link_preview_options": DEFAULT_NONE,
            "allow_paid_broadcast": allow_paid_broadcast,
        }
        sent = await self._post("sendMessage", data)
        if not isinstance(sent, dict) or not isinstance(sent.get("message_id"), int):
            raise TelegramError("Telegram answered a sendMessage without a message id")
        return int(sent["message_id"])
