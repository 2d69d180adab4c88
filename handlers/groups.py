"""The bot in a group chat: coaching is personal, so a group gets a pointer to the private chat.

Commands in a group are answered with one short message and a deep link that opens the
private chat, at most once per few minutes per group (handlers/group_notices.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.helpers import create_deep_linked_url

from handlers.common import reply
from handlers.context import CoachContext
from handlers.render import Screen

# The deep link's payload: /start in the private chat, from a group's pointer.
DEEP_LINK_PAYLOAD = "group"


def addressed_to_us(text: str, bot_username: str) -> bool:
    """Return whether a group command is for this bot (/cmd or /cmd@ourbot, not /cmd@other)."""
    command = text.split(maxsplit=1)[0] if text else ""
    _, at, name = command.partition("@")
    return not at or name.lower() == bot_username.lower()


async def private_only(update: Update, context: CoachContext) -> None:
    """Answer a command in a group: coaching happens in the private chat, one tap away."""
    message = update.effective_message
    chat = update.effective_chat
    if (
        message is None
        or chat is None
        or not addressed_to_us(message.text or "", context.bot.username)
    ):
        return
    if not context.bot_data.group_notices.take(chat.id):
        return
    texts = context.library.texts
    link = create_deep_linked_url(context.bot.username, DEEP_LINK_PAYLOAD)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(texts.btn_open_private, url=link)]])
    await reply(update, Screen(texts.group_private_only, keyboard))
