"""The commands: /start, /help, /about, /routine, and what to say to anything else."""

from __future__ import annotations

from telegram import Update

from handlers import render, settings_screens, team_screens, teams
from handlers import routine as runs
from handlers.common import person_ref, reply
from handlers.context import CoachContext


async def start(update: Update, context: CoachContext) -> None:
    """Welcome a person, register them, and offer a first routine.

    Deep links carry a payload: team_<code> joins a team in the same tap (handlers/teams.py),
    routine_<id> starts a routine (a team post's Start).
    """
    services = context.services
    ref = person_ref(update)
    if ref is None:
        return
    if await teams.start_with_payload(update, context, ref):
        return
    payload = context.args[0] if context.args else ""
    routine_id = payload.removeprefix(team_screens.ROUTINE_PAYLOAD_PREFIX)
    if payload != routine_id and routine_id in context.library.routines:
        await runs.start_from_link(update, context, ref, routine_id)
        return
    is_new = await services.people.register(ref)
    await reply(update, render.welcome(context.library, ref.first_name))
    if is_new:
        settings = await services.settings.get(ref)
        assert settings is not None, "registered just now"
        await reply(update, settings_screens.onboarding_question(context.library, settings))


async def help_command(update: Update, context: CoachContext) -> None:
    """List what the coach can do."""
    await reply(update, render.help_text(context.library))


async def about(update: Update, context: CoachContext) -> None:
    """Explain the movement, who needs it and the signs of lacking it."""
    await reply(update, render.about(context.library))


async def routine(update: Update, context: CoachContext) -> None:
    """Offer the routines, with the run in progress first."""
    services = context.services
    ref = person_ref(update)
    active = await services.routines.active(ref) if ref else None
    await reply(update, render.picker(context.library, active))


async def unknown_command(update: Update, context: CoachContext) -> None:
    """Answer a command the coach does not know with the way forward."""
    message = update.effective_message
    command = (message.text or "").split()[0] if message and message.text else "/"
    text = render.fill(context.library.texts.unknown_command, command=command[:40])
    await reply(update, render.Screen(text))


async def unknown_text(update: Update, context: CoachContext) -> None:
    """Answer free text (or anything else) with the way forward."""
    await reply(update, render.Screen(context.library.texts.unknown_text))
