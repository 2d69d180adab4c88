"""Inline keyboards; every button's data comes from callback_data.pack."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.run import RunState
from bot.services.routines import RunView
from content import EASIER, HARDER, Dose, Library, Routine
from handlers import coach_screens, formats
from handlers.callback_data import (
    ContinueRun,
    Press,
    RunButton,
    ShowAbout,
    ShowPicker,
    StartRoutine,
)
from handlers.inline import button as _button

# The count picker shows at most this many numbers, so it fits two short rows on a phone.
MAX_COUNT_CHOICES = 8


def welcome_keyboard(library: Library) -> InlineKeyboardMarkup:
    """Buttons under the welcome: start the default routine, pick one, read about it."""
    texts = library.texts
    default = library.routine(library.default_routine)
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    texts.start_default_button.format(
                        title=default.title, minutes=formats.minutes(library, default.minutes)
                    ),
                    StartRoutine(default.id),
                )
            ],
            [_button(texts.pick_routine_button, ShowPicker())],
            [_button(texts.about_button, ShowAbout())],
        ]
    )


def picker_keyboard(library: Library, active: RunView | None) -> InlineKeyboardMarkup:
    """One button per routine, and a continue button when a run is in progress."""
    texts = library.texts
    rows: list[list[InlineKeyboardButton]] = []
    if active is not None:
        done, total = active.state.index, len(active.state.steps)
        label = texts.picker_continue.format(title=active.routine.title, done=done, total=total)
        rows.append([_button(label, ContinueRun(active.run_id))])
    rows.extend(
        [
            _button(
                texts.routine_button.format(
                    title=r.title, minutes=formats.minutes(library, r.minutes)
                ),
                StartRoutine(r.id),
            )
        ]
        for r in library.routines.values()
    )
    return InlineKeyboardMarkup(rows)


def step_keyboard(
    library: Library, view: RunView, *, details: bool | None = None
) -> InlineKeyboardMarkup:
    """Done, Other count, Easier/Harder (where there is one), Skip and Stop.

    details: None for a text step (everything is in it); under an animation, False adds
    "Steps" (the full text) and True "Less" (back to the short caption).
    """
    texts = library.texts
    state = view.state
    step = state.current
    assert step is not None
    level = state.level_of(step.exercise_id)
    dose = library.exercise(step.exercise_id).dose_for(level)

    def press(label: str, kind: Press) -> InlineKeyboardButton:
        return _button(label, RunButton(view.run_id, state.version, kind))

    levels = []
    if level > EASIER:
        levels.append(press(texts.btn_easier, Press.EASIER))
    # Shown at a routine's cap too: the press answers why the harder version is not here.
    if level < HARDER:
        levels.append(press(texts.btn_harder, Press.HARDER))
    done = state.done_count(library.exercise(step.exercise_id), step.side)
    return InlineKeyboardMarkup(
        [
            *coach_screens.coach_rows(library, view),
            [
                press(texts.btn_done.format(count=texts.count(dose.unit, done)), Press.DONE),
                press(texts.btn_log, Press.COUNTS),
            ],
            levels,
            [
                *(
                    [press(texts.btn_steps_less, Press.BACK)]
                    if details
                    else [press(texts.btn_steps, Press.STEPS)]
                    if details is False
                    else []
                ),
                press(texts.btn_skip, Press.SKIP),
                press(texts.btn_stop, Press.STOP),
            ],
        ]
    )


def count_choices(dose: Dose) -> list[int]:
    """Return the counts offered around the dose: the range itself and a little either side."""
    values = sorted({max(1, dose.min - 2), *range(dose.min, dose.max + 1), dose.max + 2})
    if len(values) <= MAX_COUNT_CHOICES:
        return values
    # Keep both ends and spread the rest evenly, so the target range stays reachable.
    step = (len(values) - 1) / (MAX_COUNT_CHOICES - 1)
    return sorted({values[round(i * step)] for i in range(MAX_COUNT_CHOICES)})


def counts_keyboard(library: Library, view: RunView) -> InlineKeyboardMarkup:
    """Build the count picker for the current step, with a way back."""
    state: RunState = view.state
    step = state.current
    assert step is not None
    dose = library.exercise(step.exercise_id).dose_for(state.level_of(step.exercise_id))
    buttons = [
        _button(str(n), RunButton(view.run_id, state.version, Press.LOG, n))
        for n in count_choices(dose)
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(
        [_button(library.texts.btn_back, RunButton(view.run_id, state.version, Press.BACK))]
    )
    return InlineKeyboardMarkup(rows)


def after_run_keyboard(
    library: Library, coach_rows: list[list[InlineKeyboardButton]] | None = None
) -> InlineKeyboardMarkup:
    """Under a summary: the coach's question, if any, then start another routine."""
    rows = [*(coach_rows or []), [_button(library.texts.btn_new_routine, ShowPicker())]]
    return InlineKeyboardMarkup(rows)


def routines_in_order(library: Library) -> Sequence[Routine]:
    """Return the routines as the picker lists them."""
    return list(library.routines.values())
