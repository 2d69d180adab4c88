"""/streak, /history and /progress: how the habit is going, in the chat."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ChatAction

from bot.reports.progress_chart import CheckupMark, render_progress
from handlers import stats_screens
from handlers.checkup import band_name
from handlers.common import person_ref, reply
from handlers.context import CoachContext
from handlers.render import no_data


async def streak_command(update: Update, context: CoachContext) -> None:
    """Show the current and best streak and this week's row."""
    ref = person_ref(update)
    if ref is None:
        return
    view = await context.services.stats.streak(ref)
    if view is None:
        await reply(update, no_data(context.library))
        return
    await reply(update, stats_screens.streak_screen(context.library, view))


async def history_command(update: Update, context: CoachContext) -> None:
    """Show the last 30 days, the last sessions and the totals."""
    ref = person_ref(update)
    if ref is None:
        return
    view = await context.services.stats.history(ref)
    if view is None:
        await reply(update, no_data(context.library))
        return
    await reply(update, stats_screens.history_screen(context.library, view))


async def progress_command(update: Update, context: CoachContext) -> None:
    """Send the 12-week picture as a photo, with the last two self-checks and whether one is due."""
    ref = person_ref(update)
    chat = update.effective_chat
    if ref is None or chat is None:
        return
    library = context.library
    data = await context.services.stats.progress(ref)
    checkups = await context.services.checkup.status(ref)
    if data is None or checkups is None:
        await reply(update, no_data(library))
        return
    await chat.send_action(ChatAction.UPLOAD_PHOTO)
    levels = {
        library.exercise(exercise_id).name: points
        for exercise_id, points in data.levels.items()
        if exercise_id in library.exercises
    }
    # Drawing takes a few hundred milliseconds of CPU: keep it off the event loop.
    picture = await asyncio.to_thread(
        render_progress,
        today=data.today,
        sessions_per_day=data.sessions_per_day,
        levels=levels,
        words=library.texts.progress_chart,
        locale=library.language,
        checkups=[
            CheckupMark(
                past.local_date, past.score, checkups.max_score, band_name(library, past.band)
            )
            for past in checkups.results
        ],
    )
    caption = library.texts.progress_caption
    if checkups.is_due:
        # One line offering the check-up again (or for the first time after a week of training).
        due = library.texts.progress_checkup_due
        caption += "\n" + (due if checkups.results else library.texts.progress_checkup_first)
    await chat.send_photo(photo=picture, caption=caption)
