"""Small helpers every handler uses: who is asking, and showing a screen safely."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.services.people import PersonRef
from handlers.render import Screen

logger = logging.getLogger(__name__)


def person_ref(update: Update) -> PersonRef | None:
    """Return who sent the update, or None for updates without a user and chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return PersonRef(telegram_id=user.id, chat_id=chat.id, first_name=user.first_name or "")


def is_not_modified(error: BadRequest) -> bool:
    """Return whether Telegram refused an edit only because nothing changed."""
    return "message is not modified" in error.message.lower()


async def edit(query: CallbackQuery, screen: Screen) -> None:
    """Show a screen in the message the button was on; an unchanged message is fine."""
    try:
        await query.edit_message_text(screen.text, reply_markup=screen.keyboard)
    except BadRequest as error:
        if not is_not_modified(error):
            raise


async def edit_message(message: Message, screen: Screen) -> None:
    """Show a screen in a given message; an unchanged message is fine."""
    try:
        await message.edit_text(screen.text, reply_markup=screen.keyboard)
    except BadRequest as error:
        if not is_not_modified(error):
            raise


async def drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons from the message a button was on (its job is done)."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        if not is_not_modified(error):
            raise


async def reply(update: Update, screen: Screen) -> Message | None:
    """Send a screen to the chat of the update."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(screen.text, reply_markup=screen.keyboard)


async def reply_to_query(query: CallbackQuery, screen: Screen) -> Message | None:
    """Send a screen to the chat a button was pressed in."""
    message = query.message
    if message is None:
        return None
    return await message.get_bot().send_message(
        message.chat.id, screen.text, reply_markup=screen.keyboard
    )
