"""Screens of the coach's questions: the screening, the check-in, the extra set, the offers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.coaching_plan import CapReason, ExercisePlan, Imbalance, Note, OfferStatus
from bot.domain.history import PainAnswer
from bot.domain.progression import Change
from bot.domain.run import RunState, RunStatus, SetStatus
from bot.services.routines import RunView
from content import Library
from handlers.callback_data import (
    CoachOffer,
    ExtraSet,
    FineAgain,
    PainCheck,
    PainWhere,
    ScreeningAnswer,
)
from handlers.inline import button as _button
from handlers.screen import Screen, fill

PAIN_LETTERS = {"n": PainAnswer.NO_PAIN, "s": PainAnswer.SOME, "x": PainAnswer.SHARP}


def screening_question(library: Library, routine_id: str, *, here: bool = False) -> Screen:
    """Ask the first-use question: hip surgery, a hip replacement, or hip pain now."""
    texts = library.texts
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(texts.btn_screening_yes, ScreeningAnswer("yes", routine_id, here)),
                _button(texts.btn_screening_no, ScreeningAnswer("no", routine_id, here)),
            ]
        ]
    )
    return Screen(texts.screening_question, keyboard)


def screening_caution(library: Library, routine_id: str, *, here: bool = False) -> Screen:
    """After a yes: check with a professional first; then gentlest versions or not now."""
    texts = library.texts
    keyboard = InlineKeyboardMarkup(
        [
            [_button(texts.btn_screening_gentle, ScreeningAnswer("gentle", routine_id, here))],
            [_button(texts.btn_screening_not_now, ScreeningAnswer("not_now", routine_id, here))],
        ]
    )
    return Screen(texts.screening_caution, keyboard)


def step_notes(library: Library, view: RunView) -> list[str]:
    """Return what the coach says on an exercise's first step: a change made, an offer."""
    texts = library.texts
    state = view.state
    step = state.current
    if step is None:
        return []
    lines: list[str] = []
    if not state.opens_exercise:
        return lines
    plan = view.coaching.of(step.exercise_id)
    if plan.note is Note.SHARP_DOWN:
        lines.append(texts.note_sharp_down)
    elif plan.note is Note.BREAK_DOWN:
        lines.append(fill(texts.note_break_down.pick(plan.days), days=plan.days))
    elif plan.note is Note.THERAPIST and plan.cap_reason is CapReason.THERAPIST:
        lines.append(fill(texts.note_therapist, sessions=plan.pain_sessions, window=plan.window))
    offer = plan.offer
    if offer is not None and offer.status is OfferStatus.OPEN:
        template = texts.offer_up if offer.change == Change.UP else texts.offer_down
        dose = library.exercise(step.exercise_id).dose_for(offer.from_level)
        lines.append(
            fill(
                template.pick(offer.sessions),
                count=texts.count(dose.unit, offer.count),
                sessions=offer.sessions,
            )
        )
    return lines


def first_run_safety(library: Library, view: RunView) -> list[str]:
    """Return the safety note on the first step of the person's first routine."""
    if view.coaching.first_run and view.state.index == 0:
        return ["", fill(library.texts.first_run_safety, safety=library.guide.safety)]
    return []


def is_extra_set(state: RunState) -> bool:
    """Return whether the current step repeats a side already done: the extra set."""
    step = state.current
    return step is not None and step in state.steps[: state.index]


def coach_rows(library: Library, view: RunView) -> list[list[InlineKeyboardButton]]:
    """Return the buttons of the coach's question on the current step, if any."""
    texts = library.texts
    state = view.state
    step = state.current
    if step is None or not state.opens_exercise:
        return []
    plan: ExercisePlan = view.coaching.of(step.exercise_id)
    rows: list[list[InlineKeyboardButton]] = []
    offer = plan.offer
    if offer is not None and offer.status is OfferStatus.OPEN:
        up = offer.change == Change.UP
        take = texts.btn_offer_up_take if up else texts.btn_offer_down_take
        decline = texts.btn_offer_up_decline if up else texts.btn_offer_down_decline
        rows.append(
            [
                _button(take, CoachOffer(view.run_id, state.version, True)),
                _button(decline, CoachOffer(view.run_id, state.version, False)),
            ]
        )
    if plan.cap_reason is CapReason.THERAPIST:
        rows.append([_button(texts.btn_fine_again, FineAgain(view.run_id, state.version))])
    return rows


def harder_paused(library: Library, view: RunView) -> str:
    """Say why the coach holds the harder version back on the current exercise."""
    texts = library.texts
    step = view.state.current
    reason = view.coaching.of(step.exercise_id).cap_reason if step else None
    return {
        CapReason.GENTLE: texts.ans_harder_gentle,
        CapReason.THERAPIST: texts.ans_harder_therapist,
        CapReason.HIP_TODAY: texts.ans_harder_hip_today,
    }.get(reason or CapReason.DESK, texts.ans_desk_cap)


CoachPart = tuple[list[str], list[list[InlineKeyboardButton]]]


def checkin_part(
    library: Library, view: RunView, *, therapist: tuple[int, int] | None = None
) -> CoachPart:
    """Return the end of a finished run's summary: "Any pain?" or the thanks, and a lagging side.

    Lines to add to the summary's text and rows to put above its own buttons; nothing for a
    run that was stopped or had no set done.
    """
    texts = library.texts
    if view.state.status is not RunStatus.FINISHED or not _done(view):
        return [], []
    rows: list[list[InlineKeyboardButton]] = []
    if view.check_in is None:
        lines = [texts.checkin_question]
        rows.append(
            [
                _button(texts.btn_pain_none, PainCheck(view.run_id, "n")),
                _button(texts.btn_pain_some, PainCheck(view.run_id, "s")),
                _button(texts.btn_pain_sharp, PainCheck(view.run_id, "x")),
            ]
        )
    else:
        answer, exercise_id = view.check_in
        where = ""
        if exercise_id is not None and exercise_id in library.exercises:
            where = fill(texts.checkin_where, exercise=library.exercise(exercise_id).name)
        thanks = {
            PainAnswer.SOME: texts.checkin_thanks_some,
            PainAnswer.SHARP: texts.checkin_thanks_sharp,
        }.get(answer, texts.checkin_thanks_none)
        lines = [thanks.format(where=where)]
        if therapist is not None:
            lines.append(fill(texts.checkin_therapist, sessions=therapist[0], window=therapist[1]))
    gap: Imbalance | None = view.coaching.imbalance
    if gap is not None:
        exercise = library.exercise(gap.exercise_id)
        side = texts.side_word_left if gap.behind == "left" else texts.side_word_right
        if gap.status is OfferStatus.OPEN:
            line = fill(
                texts.imbalance_line,
                exercise=exercise.name,
                sessions=gap.sessions,
                side=side,
                percent=gap.percent,
            )
            lines += ["", line]
            rows.append(
                [_button(fill(texts.btn_extra_take, side=side), ExtraSet(view.run_id, True))]
            )
            rows.append([_button(texts.btn_extra_decline, ExtraSet(view.run_id, False))])
        elif gap.status is OfferStatus.TAKEN:
            lines += ["", fill(texts.extra_taken, side=side, exercise=exercise.name)]
        else:
            lines += ["", texts.extra_declined]
    return lines, rows


def which_part(library: Library, view: RunView, letter: str) -> CoachPart:
    """Return the summary's end that asks which exercise hurt, from the ones just done."""
    texts = library.texts
    rows = [
        [_button(library.exercise(exercise_id).name, PainWhere(view.run_id, letter, index))]
        for index, exercise_id in enumerate(_done(view))
    ]
    rows.append([_button(texts.btn_pain_unsure, PainWhere(view.run_id, letter, None))])
    return [texts.checkin_which], rows


def _done(view: RunView) -> list[str]:
    """Return the exercises with a set done in the run, in their order."""
    return list(dict.fromkeys(r.exercise_id for r in view.records if r.status is SetStatus.DONE))
