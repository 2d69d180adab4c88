"""/checkup: the self-check in one message edited in place, its result and the one-tap accept.

The message goes: the intro with the first question, each yes/no question, the seated range
test with its three answers, then the result with "Use this" and "Not now". "Use this" turns it
into a confirmation with a button that starts the suggested routine (the picker's StartRoutine).
Every button carries the check-up id and the step it was drawn for; a press the service refuses
(doubled, old, of a replaced check-up) gets a polite answer and changes nothing; a doubled
answer on an open check-up redraws its message as the check-up stands.
"""

from __future__ import annotations

from html import escape

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot.domain.checkup import CheckupResult
from bot.services.checkup import CheckupPress, CheckupView, Verdict
from content import Library
from handlers.callback_data import (
    CheckupAccept,
    CheckupAnswer,
    CheckupLater,
    StartRoutine,
)
from handlers.common import answer, edit, person_ref, reply
from handlers.context import CoachContext
from handlers.inline import button as _button
from handlers.render import Screen, clip, fill, no_data

CheckupButton = CheckupAnswer | CheckupAccept | CheckupLater

# A step answered already on a check-up still open: the message may be behind (a failed edit),
# so it is drawn again as the check-up stands. Presses on finished check-ups leave it alone.
_REDRAW = (Verdict.ANSWERED,)


async def checkup_command(update: Update, context: CoachContext) -> None:
    """Start a new self-check (someone unknown is told nothing is stored, and nothing is)."""
    ref = person_ref(update)
    if ref is None:
        return
    library = context.library
    view = await context.services.checkup.start(ref)
    if view is None:
        await reply(update, no_data(library))
        return
    await reply(update, screen(library, view))


async def on_checkup_button(
    update: Update, query: CallbackQuery, context: CoachContext, data: CheckupButton
) -> None:
    """Apply a press on the check-up's message; every path answers the press once."""
    ref = person_ref(update)
    assert ref is not None
    services = context.services
    library = context.library
    texts = library.texts
    result: CheckupPress
    match data:
        case CheckupAnswer(checkup_id, step, choice):
            result = await services.checkup.answer(ref, checkup_id, step, choice)
            done = None
        case CheckupAccept(checkup_id, step):
            result = await services.checkup.accept(ref, checkup_id, step)
            done = texts.ans_checkup_accepted
        case CheckupLater(checkup_id, step):
            result = await services.checkup.decline(ref, checkup_id, step)
            done = texts.ans_checkup_later
    view = result.view
    if result.verdict is Verdict.APPLIED and view is not None:
        await answer(query, done)
        later = isinstance(data, CheckupLater)
        await edit(query, later_screen(library, view) if later else screen(library, view))
        return
    await answer(query, refusal(library, result.verdict))
    if result.verdict in _REDRAW and view is not None:
        await edit(query, screen(library, view))


def refusal(library: Library, verdict: Verdict) -> str:
    """Return the polite answer to a press that changed nothing."""
    texts = library.texts
    return {
        Verdict.FINISHED: texts.ans_checkup_finished,
        Verdict.ACCEPTED: texts.ans_checkup_already,
        Verdict.REPLACED: texts.ans_checkup_replaced,
        Verdict.FOREIGN: texts.ans_checkup_foreign,
        Verdict.MISSING: texts.ans_checkup_missing,
        Verdict.INVALID: texts.ans_invalid,
    }.get(verdict, texts.ans_checkup_answered)


def band_name(library: Library, band: str) -> str:
    """Return how a band reads in a sentence ("some stiffness"), or its id if texts lack it."""
    return library.texts.checkup_bands.get(band, band)


def screen(library: Library, view: CheckupView) -> Screen:
    """Draw the check-up as it stands: a question, the range test, the result or the accept."""
    texts = library.texts
    rules = library.coaching.checkup
    questions = rules.questions
    result = view.result
    if view.step < len(questions):
        question = fill(
            texts.checkup_question,
            number=view.step + 1,
            total=len(questions),
            question=questions[view.step].text,
        )
        if view.step == 0:
            question = fill(texts.checkup_intro, questions=len(questions)) + "\n\n" + question
        row = [
            _button(texts.btn_yes, CheckupAnswer(view.checkup_id, view.step, True)),
            _button(texts.btn_no, CheckupAnswer(view.checkup_id, view.step, False)),
        ]
        return Screen(clip(question), InlineKeyboardMarkup([row]))
    if result is None:
        test = rules.range_test
        steps = "\n".join(
            fill(texts.checkup_range_step, number=number, step=step)
            for number, step in enumerate(test.steps, start=1)
        )
        text = texts.checkup_range.format(
            title=escape(test.title), steps=steps, question=escape(test.question)
        )
        rows = [
            [_button(choice.text, CheckupAnswer(view.checkup_id, view.step, choice.id))]
            for choice in test.answers
        ]
        return Screen(clip(text), InlineKeyboardMarkup(rows))
    routine = library.routine(result.routine)
    if view.accepted:
        text = texts.checkup_accepted.format(
            routine=escape(routine.title), levels=_level_lines(library, result)
        )
        start = fill(texts.btn_checkup_start, routine=routine.title)
        return Screen(
            clip(text), InlineKeyboardMarkup([[_button(start, StartRoutine(routine.id))]])
        )
    text = texts.checkup_result.format(
        score=result.score,
        max=rules.max_score,
        band=escape(band_name(library, result.band)),
        summary=escape(result.summary),
        routine=escape(routine.title),
        levels=_level_lines(library, result),
    )
    buttons = [
        _button(texts.btn_checkup_use, CheckupAccept(view.checkup_id, view.step)),
        _button(texts.btn_checkup_later, CheckupLater(view.checkup_id, view.step)),
    ]
    return Screen(clip(text), InlineKeyboardMarkup([buttons]))


def later_screen(library: Library, view: CheckupView) -> Screen:
    """Draw "Not now": the score is kept, nothing else changed, no buttons."""
    result = view.result
    assert result is not None  # the service declines only a scored check-up
    text = fill(
        library.texts.checkup_later,
        score=result.score,
        max=library.coaching.checkup.max_score,
        band=band_name(library, result.band),
    )
    return Screen(clip(text))


def _level_lines(library: Library, result: CheckupResult) -> str:
    """Return one line per exercise of the suggested routine with its starting version."""
    routine = library.routine(result.routine)
    lines = []
    for exercise_id in routine.exercises:
        exercise = library.exercise(exercise_id)
        level = result.levels.get(exercise_id, 0)
        top = routine.top_level(exercise)
        # Shown as the routine will show it: a start above its cap is capped (domain.checkup).
        shown = level if top is None else min(level, top)
        lines.append(
            fill(
                library.texts.checkup_level_line,
                exercise=exercise.name,
                variation=exercise.variation(shown).name,
            )
        )
    return "\n".join(lines)
