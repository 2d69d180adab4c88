"""The /checkup self-check: scoring, the suggestion it leads to, and when it comes back."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.checkup import CheckupResult, is_due, next_due, result, score
from content import LEVELS, library

LIB = library()
CHECKUP = LIB.coaching.checkup
IDS = [question.id for question in CHECKUP.questions]
RANGE_IDS = [answer.id for answer in CHECKUP.range_test.answers]
MON = date(2024, 3, 11)


def all_no() -> dict[str, bool]:
    return dict.fromkeys(IDS, False)


def test_the_check_is_four_to_six_questions_and_a_three_way_range_test() -> None:
    assert 4 <= len(CHECKUP.questions) <= 6
    assert len(CHECKUP.range_test.answers) == 3
    assert CHECKUP.repeat_days == 28
    # Answers from the freest range to the most limited, scoring more as the range shrinks.
    points = [answer.points for answer in CHECKUP.range_test.answers]
    assert points == sorted(points) and len(set(points)) == 3


def test_free_hips_get_the_desk_routine_at_standard_versions() -> None:
    outcome = result(all_no(), "free", CHECKUP)
    assert outcome == CheckupResult(
        0,
        "good",
        "desk",
        {"seated_ir": 0, "revolved_pyramid": 0, "warrior_half_moon": 0},
        CHECKUP.bands[0].summary,
    )


def test_a_stiff_hip_gets_easier_versions() -> None:
    outcome = result(dict.fromkeys(IDS, True), "little", CHECKUP)
    assert outcome.score == CHECKUP.max_score
    assert outcome.band == "stiff"
    assert set(outcome.levels.values()) == {-1}


def test_a_missing_or_unknown_answer_is_refused() -> None:
    answers = all_no()
    del answers[IDS[0]]
    with pytest.raises(ValueError, match="missing"):
        score(answers, "free", CHECKUP)
    with pytest.raises(ValueError, match="unknown"):
        score({**all_no(), "lotus": True}, "free", CHECKUP)
    with pytest.raises(ValueError, match="range test"):
        score(all_no(), "wide", CHECKUP)


def test_every_possible_check_suggests_a_real_routine_with_a_version_for_each_exercise() -> None:
    for yes, range_answer in product(product([False, True], repeat=len(IDS)), RANGE_IDS):
        outcome = result(dict(zip(IDS, yes, strict=True)), range_answer, CHECKUP)
        yes_points = sum(q.points for q, said in zip(CHECKUP.questions, yes, strict=True) if said)
        range_points = CHECKUP.range_test.answers[RANGE_IDS.index(range_answer)].points
        assert outcome.score == yes_points + range_points
        band = next(b for b in CHECKUP.bands if b.id == outcome.band)
        index = CHECKUP.bands.index(band)
        assert outcome.score <= band.up_to
        assert index == 0 or outcome.score > CHECKUP.bands[index - 1].up_to
        routine = LIB.routine(outcome.routine)
        assert set(outcome.levels) == set(routine.exercises)
        assert all(level in LEVELS for level in outcome.levels.values())


answers = st.fixed_dictionaries({question_id: st.booleans() for question_id in IDS})


@given(answers, st.sampled_from(RANGE_IDS), st.sampled_from(IDS), st.sampled_from(RANGE_IDS))
def test_another_sign_never_suggests_a_lighter_start(
    before: dict[str, bool], range_before: str, flipped: str, range_after: str
) -> None:
    after = {**before, flipped: True}
    order = {answer_id: i for i, answer_id in enumerate(RANGE_IDS)}
    range_worse = max(range_before, range_after, key=order.__getitem__)
    first, second = result(before, range_before, CHECKUP), result(after, range_worse, CHECKUP)
    assert second.score >= first.score
    bands = [band.id for band in CHECKUP.bands]
    assert bands.index(second.band) >= bands.index(first.band)
    # Starting versions only get gentler (or the routine changes with the band).
    if second.routine == first.routine:
        assert all(second.levels[ex] <= first.levels[ex] for ex in first.levels)


def test_never_taken_is_due_now_and_then_every_four_weeks() -> None:
    assert is_due(None, MON, CHECKUP) and next_due(None, MON, CHECKUP) == MON
    assert next_due(MON, MON, CHECKUP) == MON + timedelta(days=28)
    assert not is_due(MON, MON + timedelta(days=27), CHECKUP)
    assert is_due(MON, MON + timedelta(days=28), CHECKUP)


@given(st.integers(0, 400))
def test_due_exactly_from_repeat_days_on(days: int) -> None:
    assert is_due(MON, MON + timedelta(days=days), CHECKUP) == (days >= CHECKUP.repeat_days)
