"""Pain check-in rules: examples from the coaching issue, and properties checked by hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.history import SessionRecord
from bot.domain.pain import (
    CheckIn,
    HipToday,
    PainAnswer,
    ReportEffect,
    TodayPlan,
    answers_by_exercise,
    clear_for_harder,
    hip_today,
    is_pain,
    level_today,
    pain_score,
    report_effect,
    rest_day,
    therapist,
    too_much,
)
from bot.domain.streak import Schedule, streak
from content import EASIER, HARDER, LEVELS, STANDARD, Dose, library
from content.coaching import PainRules, PainScale

PAIN = library().coaching.pain
DAY = timedelta(days=1)
MON = date(2024, 3, 11)
DOSE = Dose(min=10, max=15, unit="reps", per_side=True)
DONE = ["seated_ir", "revolved_pyramid", "warrior_half_moon"]


def record(number: int, pain: PainAnswer) -> SessionRecord:
    return SessionRecord(number, MON + number * DAY, STANDARD, DOSE, {"left": 12}, pain)


# --- the check-in --------------------------------------------------------------------------


def test_the_bundled_scale_is_the_decided_one() -> None:
    assert [pain_score(a, PAIN) for a in PainAnswer] == [0, 5, 10, None]
    assert (PAIN.mild_max, PAIN.acceptable_max) == (2, 5)
    assert (PAIN.therapist_sessions, PAIN.therapist_window) == (3, 5)


def test_only_an_answered_no_pain_clears_the_way_to_harder() -> None:
    assert [clear_for_harder(a, PAIN) for a in PainAnswer] == [True, False, False, False]


def test_what_each_answer_sets_in_motion() -> None:
    effects = {answer: report_effect(answer, PAIN) for answer in PainAnswer}
    assert effects == {
        PainAnswer.NO_PAIN: ReportEffect(False, False, False),
        PainAnswer.SOME: ReportEffect(False, False, True),
        PainAnswer.SHARP: ReportEffect(True, True, True),
        PainAnswer.UNANSWERED: ReportEffect(False, False, False),
    }


def test_a_skipped_check_in_is_no_answer_for_every_exercise() -> None:
    assert answers_by_exercise(None, DONE) == dict.fromkeys(DONE, PainAnswer.UNANSWERED)


def test_no_pain_is_no_pain_everywhere() -> None:
    assert answers_by_exercise(CheckIn(PainAnswer.NO_PAIN), DONE) == dict.fromkeys(
        DONE, PainAnswer.NO_PAIN
    )


def test_pain_picked_on_one_exercise_stays_there() -> None:
    answers = answers_by_exercise(CheckIn(PainAnswer.SHARP, "revolved_pyramid"), DONE)
    assert answers == {
        "seated_ir": PainAnswer.NO_PAIN,
        "revolved_pyramid": PainAnswer.SHARP,
        "warrior_half_moon": PainAnswer.NO_PAIN,
    }


@pytest.mark.parametrize("place", [None, "banded_ir"])
def test_pain_without_a_place_among_those_done_goes_to_every_exercise(place: str | None) -> None:
    answers = answers_by_exercise(CheckIn(PainAnswer.SOME, place), DONE)
    assert answers == dict.fromkeys(DONE, PainAnswer.SOME)


@st.composite
def pain_rules(draw: st.DrawFn) -> PainRules:
    some = draw(st.integers(1, 9))
    sharp = draw(st.integers(some + 1, 10))
    acceptable = draw(st.integers(0, sharp - 1))
    sessions = draw(st.integers(1, 5))
    return PainRules(
        scale=PainScale(some=some, sharp=sharp),
        mild_max=draw(st.integers(0, acceptable)),
        acceptable_max=acceptable,
        therapist_sessions=sessions,
        therapist_window=draw(st.integers(sessions, 8)),
    )


@given(pain_rules(), st.sampled_from(PainAnswer))
def test_whatever_the_numbers_sharp_steps_down_and_unanswered_is_never_evidence(
    rules: PainRules, answer: PainAnswer
) -> None:
    assert too_much(PainAnswer.SHARP, rules) and is_pain(PainAnswer.SHARP, rules)
    assert clear_for_harder(PainAnswer.NO_PAIN, rules) and not is_pain(PainAnswer.NO_PAIN, rules)
    unanswered = PainAnswer.UNANSWERED
    assert not clear_for_harder(unanswered, rules) and not too_much(unanswered, rules)
    # Acceptable is at or above mild: an answer that steps down never clears the way to harder.
    assert not (too_much(answer, rules) and clear_for_harder(answer, rules))


@given(
    st.one_of(st.none(), st.builds(CheckIn, st.sampled_from(PainAnswer), st.sampled_from(DONE))),
    st.lists(st.sampled_from(DONE), unique=True),
)
def test_every_exercise_done_gets_one_answer_and_skipping_is_never_no_pain(
    check_in: CheckIn | None, done: list[str]
) -> None:
    answers = answers_by_exercise(check_in, done)
    assert list(answers) == done
    if check_in is None or check_in.answer is PainAnswer.UNANSWERED:
        assert set(answers.values()) <= {PainAnswer.UNANSWERED}
    else:
        assert PainAnswer.UNANSWERED not in answers.values()
        hurt = [ex for ex, answer in answers.items() if answer is not PainAnswer.NO_PAIN]
        assert len(hurt) <= 1 or check_in.exercise_id not in done


# --- the therapist suggestion --------------------------------------------------------------


def test_pain_in_three_of_five_sessions_suggests_a_therapist_once() -> None:
    some, none = PainAnswer.SOME, PainAnswer.NO_PAIN
    history = [record(1, some), record(2, none), record(3, PainAnswer.SHARP), record(4, none)]
    assert not therapist(history, None, PAIN).recommended
    history.append(record(5, some))
    status = therapist(history, None, PAIN)
    assert (status.recommended, status.new, status.pain_sessions) == (True, True, 3)
    assert status.harder_blocked
    history.append(record(6, none))
    assert therapist(history, None, PAIN).recommended
    assert not therapist(history, None, PAIN).new


def test_three_pains_spread_wider_than_the_window_are_not_enough() -> None:
    none = PainAnswer.NO_PAIN
    answers = [PainAnswer.SOME, none, none, PainAnswer.SOME, none, none, PainAnswer.SOME]
    assert not therapist([record(i, a) for i, a in enumerate(answers, 1)], None, PAIN).recommended


def test_the_suggestion_stands_until_fine_again() -> None:
    history = [record(i, PainAnswer.SOME) for i in (1, 2, 3)]
    history += [record(i, PainAnswer.NO_PAIN) for i in range(4, 30)]
    assert therapist(history, None, PAIN).recommended
    assert not therapist(history, 3, PAIN).recommended
    # The marker is the latest session when the person tapped: it and those before are forgiven.
    assert not therapist(history, 1, PAIN).recommended
    # Pain again after "fine again" counts from zero.
    history += [record(i, PainAnswer.SOME) for i in (30, 31)]
    assert not therapist(history, 3, PAIN).recommended
    history.append(record(32, PainAnswer.SOME))
    assert therapist(history, 3, PAIN).new


def test_skipped_check_ins_are_not_pain() -> None:
    history = [record(i, PainAnswer.UNANSWERED) for i in range(1, 6)]
    assert therapist(history, None, PAIN).pain_sessions == 0


def reference_stands(flags: list[bool], rules: PainRules) -> bool:
    """Any run of window consecutive sessions (or the whole, if shorter) with enough pain."""
    size = rules.therapist_window
    return any(
        sum(flags[start : start + size]) >= rules.therapist_sessions
        for start in range(max(1, len(flags)))
    )


@given(
    pain_rules(),
    st.lists(st.sampled_from(PainAnswer), max_size=12),
    st.one_of(st.none(), st.integers(0, 12)),
)
def test_the_therapist_rule_is_exactly_enough_pain_in_one_window_since_fine_again(
    rules: PainRules, answers: list[PainAnswer], fine_again_after: int | None
) -> None:
    history = [record(i, answer) for i, answer in enumerate(answers, 1)]
    since = [r for r in history if fine_again_after is None or r.number > fine_again_after]
    flags = [r.pain in (PainAnswer.SOME, PainAnswer.SHARP) for r in since]
    status = therapist(history[::-1], fine_again_after, rules)
    assert status.recommended == reference_stands(flags, rules)
    assert status.new == (
        reference_stands(flags, rules) and not reference_stands(flags[:-1], rules)
    )
    # Once it stands, more sessions of any kind never take it back; only "fine again" does.
    more = [*history, record(len(history) + 1, PainAnswer.NO_PAIN)]
    if status.recommended:
        assert therapist(more, fine_again_after, rules).recommended


# --- the day after -------------------------------------------------------------------------


def test_worse_means_the_gentlest_versions_and_a_rest_day_offer() -> None:
    assert hip_today(HipToday.WORSE) == TodayPlan(gentlest=True, offer_rest_day=True)
    for answer in (HipToday.BETTER, HipToday.SAME, None):
        assert hip_today(answer) == TodayPlan(gentlest=False, offer_rest_day=False)


@given(st.sampled_from([*HipToday, None]), st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_today_stays_inside_the_allowed_range_and_is_lowest_when_worse(
    answer: HipToday | None, level: int, lowest: int
) -> None:
    allowed = (lowest, max(lowest, STANDARD))
    today = level_today(hip_today(answer), level, allowed)
    assert allowed[0] <= today <= allowed[1]
    if answer is HipToday.WORSE:
        assert today == lowest
    elif allowed[0] <= level <= allowed[1]:
        assert today == level


def test_a_rest_day_never_breaks_a_streak() -> None:
    every_day = Schedule()
    tue = MON + DAY
    # Trained Monday, took the rest day on Tuesday, and it is Wednesday evening now.
    assert streak([MON], every_day, tue + DAY).current == 0
    assert streak([MON], rest_day(every_day, tue), tue + DAY).current == 1
    assert streak([MON, tue + DAY], rest_day(every_day, tue), tue + DAY).current == 2


def test_gentlest_is_the_lowest_allowed_not_always_easier() -> None:
    assert level_today(TodayPlan(True, True), HARDER, (EASIER, HARDER)) == EASIER
    assert level_today(TodayPlan(True, True), HARDER, (STANDARD, HARDER)) == STANDARD
