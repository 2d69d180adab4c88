"""Button presses: start or continue a routine and walk through it, one edited message."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update

from bot.domain.run import Action
from bot.services.people import PersonRef
from bot.services.routines import PressResult, RunView, StartResult, Verdict
from handlers import coach_screens, media, render, stats_screens, team_boards
from handlers.callback_data import Press, RunButton
from handlers.common import (
    answer,
    drop_keyboard,
    edit,
    person_ref,
    reply,
    reply_to_query,
)
from handlers.context import CoachContext

logger = logging.getLogger(__name__)

ACTIONS = {
    Press.DONE: Action.DONE,
    Press.LOG: Action.LOG,
    Press.EASIER: Action.EASIER,
    Press.HARDER: Action.HARDER,
    Press.SKIP: Action.SKIP,
    Press.STOP: Action.STOP,
}


async def start_routine(
    update: Update, query: CallbackQuery, context: CoachContext, routine_id: str
) -> None:
    """Open a run of a routine in the message of the button (a repeated tap reuses the run).

    The list of routines becomes the routine: the start is one transaction (the run knows its
    message from the first), and one edit instead of taking the list's buttons and sending.
    A message the bot can no longer edit (too old) gets the run in a new message.
    """
    services = context.services
    ref = person_ref(update)
    assert ref is not None
    if routine_id not in context.library.routines:
        await answer(query, context.library.texts.ans_unknown_routine)
        return
    message = query.message if isinstance(query.message, Message) else None
    message_id = None if message is None else message.message_id
    started = await services.routines.start(ref, routine_id, message_id=message_id)
    view = started.view
    if view is None:
        # The first-use screening comes first, in this message: its No starts the routine
        # here (one call each, as a start without the question costs).
        await answer(query)
        await edit(query, coach_screens.screening_question(context.library, routine_id))
        return
    if _open_elsewhere(started, message_id):
        await answer(query, context.library.texts.ans_already_started)
        return
    await answer(query, context.library.texts.ans_started)
    if message is None:
        await _show_in_new_message(update, context, view)
        return
    await open_here(query, context, view)


async def start_from_link(
    update: Update, context: CoachContext, ref: PersonRef, routine_id: str
) -> None:
    """Start a routine from a deep link (a team post's Start), in a new message."""
    services = context.services
    started = await services.routines.start(ref, routine_id)
    view = started.view
    if view is None:
        # The first-use screening comes first; its No starts this routine.
        await reply(update, coach_screens.screening_question(context.library, routine_id))
        return
    await _show_in_new_message(update, context, view)


async def start_here(
    update: Update, query: CallbackQuery, context: CoachContext, routine_id: str
) -> None:
    """Start a routine in the message the button is on (a reminder becomes the routine)."""
    services = context.services
    ref = person_ref(update)
    message = query.message
    assert ref is not None and isinstance(message, Message)
    if routine_id not in context.library.routines:
        await answer(query, context.library.texts.ans_unknown_routine)
        return
    started = await services.routines.start(ref, routine_id, message_id=message.message_id)
    view = started.view
    if view is None:  # the first-use screening comes first, in the reminder's place
        await answer(query)
        await edit(query, coach_screens.screening_question(context.library, routine_id, here=True))
        return
    if _open_elsewhere(started, message.message_id):
        await answer(query, context.library.texts.ans_already_started)
        return
    await answer(query, context.library.texts.ans_started)
    await open_here(query, context, view)


def _open_elsewhere(started: StartResult, message_id: int | None) -> bool:
    """Whether a start tap found its run already shown in another message.

    A second tap on the very message the run was opened in means that message still shows the
    start (its opening edit was lost): the run is opened there again instead.
    """
    view = started.view
    return (
        not started.is_new
        and view is not None
        and view.message_id is not None
        and view.message_id != message_id
    )


async def open_here(query: CallbackQuery, context: CoachContext, view: RunView) -> None:
    """Show a run in the message a button was on (a reminder, the screening question)."""
    services = context.services
    message = query.message
    assert isinstance(message, Message)
    if view.message_id != message.message_id:  # a start that knew its message stored it
        await services.routines.attach_message(view.run_id, message.message_id)
    screen = render.step(context.library, view)
    await media.show_run(context, message, view, screen, opening=True)


async def continue_run(
    update: Update, query: CallbackQuery, context: CoachContext, run_id: int
) -> None:
    """Show the person's run in progress again, in a new message."""
    services = context.services
    ref = person_ref(update)
    assert ref is not None
    result = await services.routines.look(ref, run_id, version=None)
    view = result.view
    if result.verdict is not Verdict.UNCHANGED or view is None:
        await answer(query, _refusal(context, result))
        return
    await answer(query, context.library.texts.ans_continue)
    await drop_keyboard(query)
    await _show_in_new_message(update, context, view)


async def _show_in_new_message(update: Update, context: CoachContext, view: RunView) -> None:
    """Send the run as a new message and make it the one message the run edits."""
    services = context.services
    previous = view.message_id
    message = await reply_run(update, context, render.step(context.library, view))
    if message is None:
        return
    await services.routines.attach_message(view.run_id, message.message_id)
    chat = update.effective_chat
    if previous is not None and chat is not None and previous != message.message_id:
        # Leave a pointer in the old message instead of two live copies of one run.
        await media.retire(context, chat.id, previous, context.library.texts.moved_below)


async def reply_run(update: Update, context: CoachContext, screen: render.Screen) -> Message | None:
    """Send a run's screen to the chat of the update (its animation, or text)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await media.send_run(context, chat.id, screen)


async def run_button(
    query: CallbackQuery, context: CoachContext, ref: PersonRef, data: RunButton
) -> None:
    """Apply a press on a run's message (Done, counts, Easier, Harder, Skip, Stop)."""
    services = context.services
    library = context.library
    if data.press in (Press.COUNTS, Press.BACK, Press.STEPS):
        result = await services.routines.look(ref, data.run_id, data.version)
        if result.verdict is Verdict.UNCHANGED and result.view is not None:
            await answer(query)
            screen = render.step(
                library,
                result.view,
                counts=data.press is Press.COUNTS,
                details=data.press is Press.STEPS,
            )
            await _show(query, context, result.view, screen)
            return
    else:
        result = await services.routines.press(
            ref, data.run_id, data.version, ACTIONS[data.press], data.count
        )
        if result.verdict in (Verdict.APPLIED, Verdict.UNCHANGED) and result.view is not None:
            assert result.notice is not None
            await answer(query, render.answer(library, result.notice, result.record, result.view))
            if result.verdict is Verdict.APPLIED:
                finish = result.finish
                line = stats_screens.summary_streak_line(library, finish.summary) if finish else ""
                screen = render.step(library, result.view, streak_line=line)
                await _show(query, context, result.view, screen)
                for reached in finish.milestones if finish else []:
                    await reply_to_query(query, stats_screens.milestone_screen(library, reached))
                if finish is not None and finish.boards:
                    # The person's teams' boards: a ✅ by their name, coalesced and paced.
                    await team_boards.refresh(context, list(finish.boards))
            return
    await answer(query, _refusal(context, result))
    await _repair(query, context, result)


async def redraw(message: Message, context: CoachContext, view: RunView) -> None:
    """Redraw a run's message as the run stands (an old button was pressed on it)."""
    await media.show_run(context, message, view, render.step(context.library, view))


async def _show(
    query: CallbackQuery, context: CoachContext, view: RunView, screen: render.Screen
) -> None:
    """Show a run's screen in the message the press came from."""
    message = query.message
    if isinstance(message, Message):
        await media.show_run(context, message, view, screen)


def _refusal(context: CoachContext, result: PressResult) -> str:
    texts = context.library.texts
    return {
        Verdict.OVER: texts.ans_over,
        Verdict.FOREIGN: texts.ans_foreign,
        Verdict.MISSING: texts.ans_missing,
    }.get(result.verdict, texts.ans_outdated)


async def _repair(query: CallbackQuery, context: CoachContext, result: PressResult) -> None:
    """Redraw a message the press came from when it shows an out-of-date state of the run.

    This covers an edit that failed after its press was saved: the next press repairs the view.
    The pressed message always shows this run (its buttons carry the run id), but it need not be
    the one the run knows: a send that timed out may still have arrived. Such a message is
    redrawn too, and adopted when the run knows no message, or the person could tap it forever.
    """
    view = result.view
    message = query.message
    if view is None or not isinstance(message, Message):
        return
    if result.verdict not in (Verdict.OUTDATED, Verdict.OVER):
        return
    if view.message_id is None and result.verdict is Verdict.OUTDATED:
        await context.services.routines.attach_message(view.run_id, message.message_id)
    await redraw(message, context, view)
