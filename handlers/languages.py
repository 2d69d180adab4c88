"""Which language each update is answered in, and /language.

Before any handler runs, resolve() sets context.language: in a private chat the person's
stored language (their /language choice, or the one their Telegram app was in at first
contact), for someone unknown their app's language (language_code, 'pt-br' -> pt_BR, anything
we do not speak -> English); in a group the team's language, else the sender's app's.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from content.i18n import LANGUAGES, language_of, named_language
from handlers.callback_data import SetLanguage
from handlers.common import answer, edit, person_ref, reply
from handlers.context import CoachContext
from handlers.inline import button
from handlers.render import Screen


async def resolve(update: object, context: CoachContext) -> None:
    """Set the update's language (a TypeHandler in group -1: runs before every handler)."""
    if not isinstance(update, Update):
        return
    user, chat = update.effective_user, update.effective_chat
    fallback = language_of(user.language_code if user is not None else None)
    cache = context.bot_data.languages
    services = context.services
    if chat is not None and chat.type != ChatType.PRIVATE:
        key = chat.id
        known = cache.get(key)
        if known is None:
            known = await services.teams.language_of(chat.id) or ""
            cache.put(key, known)
        context.language = known or fallback
        return
    if user is None:
        return
    known = cache.get(user.id)
    if known is None:
        known = await services.people.language_of(user.id) or ""
        cache.put(user.id, known)
    context.language = known or fallback


def picker(context: CoachContext, lead: str | None = None) -> Screen:
    """Draw the language buttons, each language named in itself."""
    buttons = [[button(name, SetLanguage(code))] for code, name in LANGUAGES.items()]
    return Screen(lead or context.library.texts.language_pick, InlineKeyboardMarkup(buttons))


async def language_command(update: Update, context: CoachContext) -> None:
    """/language shows the buttons; /language es (or de, pt-br, Русский...) switches at once."""
    ref = person_ref(update)
    if ref is None:
        return
    if not context.args:
        await reply(update, picker(context))
        return
    wanted = named_language(" ".join(context.args))
    if wanted is None:
        await reply(update, picker(context, context.library.texts.language_unknown))
        return
    await _switch(update, context, wanted)
    await reply(update, Screen(context.library.texts.language_set))


async def on_language_button(update: Update, context: CoachContext, data: SetLanguage) -> None:
    """Switch to the language of a /language button, and say so in it."""
    query = update.callback_query
    assert query is not None
    await _switch(update, context, data.language)
    await answer(query)
    await edit(query, Screen(context.library.texts.language_set))


async def _switch(update: Update, context: CoachContext, language: str) -> None:
    ref = person_ref(update)
    assert ref is not None
    await context.services.people.set_language(ref, language)
    context.bot_data.languages.put(ref.telegram_id, language)
    context.language = language
