"""The coach's questions in the chat: the screening, offers on a step, the check-in after a run."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update

from bot.domain.history import PainAnswer
from bot.domain.run import SetStatus
from bot.domain.screening import Screening
from bot.services.coach import Answered, CoachAnswer
from bot.services.people import PersonRef
from bot.services.routines import RunView
from handlers import coach_screens, media, render, routine, settings_screens, stats_screens
from handlers.callback_data import (
    CoachOffer,
    ExtraSet,
    FineAgain,
    PainCheck,
    PainWhere,
    ScreeningAnswer,
    ShowScreening,
)
from handlers.common import answer, edit
from handlers.context import CoachContext
from handlers.screen import Screen

logger = logging.getLogger(__name__)
SCREENING = {"no": Screening.CLEAR, "gentle": Screening.GENTLE, "not_now": Screening.NOT_NOW}


async def on_screening(
    update: Update,
    query: CallbackQuery,
    context: CoachContext,
    ref: PersonRef,
    data: ScreeningAnswer | ShowScreening,
) -> None:
    """Walk the screening question: yes leads to the caution, any final answer is stored."""
    library = context.library
    if isinstance(data, ShowScreening):
        await answer(query)
        await edit(query, coach_screens.screening_question(library, ""))
        return
    if data.answer == "yes":
        await answer(query)
        await edit(query, coach_screens.screening_caution(library, data.routine_id, here=data.here))
        return
    choice = SCREENING[data.answer]
    message = query.message
    if choice is Screening.NOT_NOW or data.routine_id not in library.routines:
        # No routine starts with this answer: it is stored on its own.
        await context.services.coach.screen(ref, choice)
        await answer(query, library.texts.ans_screening_saved)
        if choice is Screening.NOT_NOW:
            await edit(query, Screen(library.texts.screening_not_now))
            return
        # Changed from /settings: back to the settings as they now stand.
        current = await context.services.settings.get(ref)
        if current is not None:
            await edit(query, settings_screens.settings_main(library, current))
        return
    # The routine the person was starting, in this message (it was the question's); the
    # answer is stored in the start's transaction: one commit for the press.
    started = await context.services.routines.start(
        ref,
        data.routine_id,
        message_id=message.message_id if isinstance(message, Message) else None,
        screening=choice,
    )
    if started.view is None or not isinstance(message, Message):
        await answer(query, library.texts.ans_screening_saved)
        return
    await answer(query, library.texts.ans_started)
    await routine.open_here(query, context, started.view)


async def on_offer(
    query: CallbackQuery, context: CoachContext, ref: PersonRef, data: CoachOffer | FineAgain
) -> None:
    """Take or decline an offered version, or say the hip is fine again; redraw the step."""
    texts = context.library.texts
    coach = context.services.coach
    if isinstance(data, FineAgain):
        result = await coach.fine_again(ref, data.run_id, data.version)
        done = texts.ans_fine_again
    else:
        result = await coach.answer_offer(ref, data.run_id, data.version, data.take)
        done = texts.ans_offer_taken if data.take else texts.ans_offer_declined
    await _redraw_step(query, context, result, done)


async def _redraw_step(
    query: CallbackQuery, context: CoachContext, result: CoachAnswer, done: str
) -> None:
    library = context.library
    texts = library.texts
    if result.verdict is Answered.SAVED and result.view is not None:
        await answer(query, done)
        if isinstance(query.message, Message):
            await routine.redraw(query.message, context, result.view)
        return
    refusal = {
        Answered.FOREIGN: texts.ans_foreign,
        Answered.MISSING: texts.ans_missing,
    }.get(result.verdict, texts.ans_coach_stale)
    await answer(query, refusal)
    if result.view is not None and isinstance(query.message, Message):
        # An old button: show the run as it stands, so the right question is on screen.
        await routine.redraw(query.message, context, result.view)


async def on_check_in(
    query: CallbackQuery, context: CoachContext, ref: PersonRef, data: PainCheck | PainWhere
) -> None:
    """Store the check-in: Some or Sharp ask which exercise; then say what follows."""
    library = context.library
    texts = library.texts
    pain = coach_screens.PAIN_LETTERS[data.answer]
    exercise_id: str | None = None
    if isinstance(data, PainWhere):
        done = await _done_exercises(context, ref, data.run_id)
        if data.index is not None:
            if done is None or data.index >= len(done):
                await answer(query, texts.ans_coach_stale)
                return
            exercise_id = done[data.index]
    result = await context.services.coach.check_in(ref, data.run_id, pain, exercise_id)
    if result.verdict is not Answered.SAVED or result.view is None:
        await answer(query, _refusal(texts.ans_foreign, texts.ans_coach_stale, result))
        return
    await answer(query, texts.ans_checkin_saved)
    view = result.view
    part = None
    if isinstance(data, PainCheck) and pain is not PainAnswer.NO_PAIN and len(_done_of(view)) > 1:
        part = coach_screens.which_part(library, view, data.answer)
    else:
        therapist = (result.pain_sessions, result.window) if result.therapist else None
        part = coach_screens.checkin_part(library, view, therapist=therapist)
    await _redraw_summary(query, context, ref, view, part)


async def on_extra_set(
    query: CallbackQuery, context: CoachContext, ref: PersonRef, data: ExtraSet
) -> None:
    """Take or decline the extra set on the side behind; redraw the summary."""
    texts = context.library.texts
    result = await context.services.coach.extra_set(ref, data.run_id, data.take)
    if result.verdict is not Answered.SAVED or result.view is None:
        await answer(query, _refusal(texts.ans_foreign, texts.ans_coach_stale, result))
        return
    await answer(query, texts.ans_checkin_saved)
    await _redraw_summary(query, context, ref, result.view, None)


async def _redraw_summary(
    query: CallbackQuery,
    context: CoachContext,
    ref: PersonRef,
    view: RunView,
    part: coach_screens.CoachPart | None,
) -> None:
    """Redraw a run's summary with its streak line and the coach's part as it now stands."""
    library = context.library
    streak = await context.services.stats.streak(ref)
    line = stats_screens.summary_streak_line(library, streak.summary) if streak else ""
    screen = render.summary(library, view, streak_line=line, coach=part)
    if isinstance(query.message, Message):
        await media.show_run(context, query.message, view, screen)


def _done_of(view: RunView) -> list[str]:
    return list(dict.fromkeys(r.exercise_id for r in view.records if r.status is SetStatus.DONE))


async def _done_exercises(context: CoachContext, ref: PersonRef, run_id: int) -> list[str] | None:
    result = await context.services.routines.look(ref, run_id, None)
    return None if result.view is None else _done_of(result.view)


def _refusal(foreign: str, stale: str, result: CoachAnswer) -> str:
    return foreign if result.verdict is Answered.FOREIGN else stale
