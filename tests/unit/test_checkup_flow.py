"""The /checkup glue without I/O: when it is due, its buttons' data, and its screens."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.checkup import result
from bot.services.checkup import FIRST_AFTER_DAYS, CheckupStatus, CheckupView, next_checkup
from content import library
from handlers.callback_data import (
    MAX_BYTES,
    CallbackDataError,
    CheckupAccept,
    CheckupAnswer,
    CheckupLater,
    StartRoutine,
    pack,
    parse,
)
from handlers.checkup import band_name, later_screen, screen

LIB = library()
RULES = LIB.coaching.checkup
QUESTIONS = RULES.questions
DAY = timedelta(days=1)
MON = date(2026, 3, 2)

ids = st.integers(min_value=0, max_value=2**31 - 1)
steps = st.integers(min_value=0, max_value=len(QUESTIONS) + 1)
range_ids = st.from_regex(r"^[a-z][a-z0-9_]{1,31}$", fullmatch=True)


# When it is due ---------------------------------------------------------------------------


def test_due_again_repeat_days_after_the_last_one() -> None:
    assert next_checkup(MON, [], RULES) == MON + 28 * DAY
    # Training days do not matter once a check-up was taken.
    assert next_checkup(MON, [MON - 50 * DAY, MON + DAY], RULES) == MON + 28 * DAY


def test_never_taken_is_due_from_the_seventh_day_trained() -> None:
    assert next_checkup(None, [], RULES) is None
    six = [MON + i * DAY for i in range(6)]
    # Six different days, some trained twice: not a week of training yet.
    assert next_checkup(None, [*six, six[0], six[3]], RULES) is None
    days = [MON + 2 * i * DAY for i in range(9)]  # every other day, given in any order
    assert next_checkup(None, list(reversed(days)), RULES) == days[FIRST_AFTER_DAYS - 1]


@pytest.mark.parametrize(
    ("last", "trained", "today", "due"),
    [
        (MON, [], MON + 27 * DAY, False),
        (MON, [], MON + 28 * DAY, True),
        (MON, [], MON + 90 * DAY, True),
        (None, [MON + i * DAY for i in range(7)], MON + 6 * DAY, True),
        (None, [MON + i * DAY for i in range(7)], MON + 5 * DAY, False),
        (None, [MON + i * DAY for i in range(6)], MON + 300 * DAY, False),
    ],
)
def test_is_due(last: date | None, trained: list[date], today: date, due: bool) -> None:
    status = CheckupStatus(today, (), next_checkup(last, trained, RULES), RULES.max_score)
    assert status.is_due is due


# Buttons ----------------------------------------------------------------------------------

buttons = st.one_of(
    st.builds(CheckupAnswer, ids, steps, st.booleans()),
    st.builds(CheckupAnswer, ids, steps, range_ids),
    st.builds(CheckupAccept, ids, steps),
    st.builds(CheckupLater, ids, steps),
)


@given(buttons)
def test_checkup_buttons_round_trip_within_telegrams_limit(data: object) -> None:
    packed = pack(data)  # type: ignore[arg-type]
    assert len(packed.encode()) <= MAX_BYTES
    assert parse(packed) == data


@pytest.mark.parametrize(
    "raw",
    [
        "1:ka:5:2",  # no answer
        "1:ka:5:2:Y",  # not a yes/no or an answer id
        "1:ka:5:2:x",  # one letter, and not y/n
        "1:ka:5:2:y:1",
        "1:ky:5",
        "1:kn:5:2:3",
        "1:ky:-1:2",
        "1:kn:5:zzzzzzzzzzzzz",  # past a row id
        "2:ky:5:7",  # an older or newer layout
    ],
)
def test_malformed_checkup_buttons_are_refused(raw: str) -> None:
    with pytest.raises(CallbackDataError):
        parse(raw)


# Screens ----------------------------------------------------------------------------------


def view(step: int, *, range_answer: str | None = None, accepted: bool = False) -> CheckupView:
    answers = {question.id: True for question in QUESTIONS[:step]}
    outcome = result(answers, range_answer, RULES) if range_answer is not None else None
    return CheckupView(7, step, answers, range_answer, outcome, accepted, MON)


def data_of(markup: object) -> list[object]:
    rows = getattr(markup, "inline_keyboard", ())
    return [parse(button.callback_data) for row in rows for button in row]


def test_each_screen_carries_the_checkup_and_its_step() -> None:
    first = screen(LIB, view(0))
    assert "not a diagnosis" in first.text and QUESTIONS[0].text in first.text
    assert data_of(first.keyboard) == [CheckupAnswer(7, 0, True), CheckupAnswer(7, 0, False)]
    second = screen(LIB, view(1))
    assert "not a diagnosis" not in second.text  # the intro only opens the check
    assert data_of(second.keyboard) == [CheckupAnswer(7, 1, True), CheckupAnswer(7, 1, False)]
    n = len(QUESTIONS)
    test = screen(LIB, view(n))
    assert data_of(test.keyboard) == [CheckupAnswer(7, n, a.id) for a in RULES.range_test.answers]
    done = screen(LIB, view(n + 1, range_answer="little"))
    assert data_of(done.keyboard) == [CheckupAccept(7, n + 1), CheckupLater(7, n + 1)]
    accepted = screen(LIB, view(n + 1, range_answer="little", accepted=True))
    assert data_of(accepted.keyboard) == [StartRoutine(RULES.bands[-1].routine)]
    assert later_screen(LIB, view(n + 1, range_answer="little")).keyboard is None


def test_a_start_above_the_routines_cap_is_shown_capped() -> None:
    desk = LIB.routine("desk")
    outcome = result(dict.fromkeys((q.id for q in QUESTIONS), False), "free", RULES)
    harder = type(outcome)(
        outcome.score, outcome.band, "desk", dict.fromkeys(desk.exercises, 1), ""
    )
    n = len(QUESTIONS)
    text = screen(LIB, CheckupView(7, n + 1, {}, "free", harder, False, MON)).text
    for exercise_id in desk.exercises:
        exercise = LIB.exercise(exercise_id)
        top = desk.top_level(exercise)
        assert top is not None
        assert f"• {exercise.name}: {exercise.variation(min(1, top)).name}" in text


def test_every_band_reads_as_words() -> None:
    for band in RULES.bands:
        assert band.id in LIB.texts.checkup_bands
        assert band_name(LIB, band.id) == LIB.texts.checkup_bands[band.id]
    assert band_name(LIB, "gone") == "gone"
