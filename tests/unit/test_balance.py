"""Left and right: examples from the coaching issue, and properties checked by hypothesis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.balance import Imbalance, imbalance
from bot.domain.history import SessionRecord
from bot.domain.run import Side
from content import STANDARD, Dose, library
from content.coaching import BalanceRules

BALANCE = library().coaching.balance
MON = date(2024, 3, 11)
SIDED = Dose(min=10, max=15, unit="reps", per_side=True)
UNSIDED = Dose(min=10, max=12, unit="reps", per_side=False)


def session(number: int, left: int | None, right: int | None) -> SessionRecord:
    pairs: tuple[tuple[Side, int | None], ...] = (("left", left), ("right", right))
    counts: dict[Side | None, int] = {side: n for side, n in pairs if n is not None}
    return SessionRecord(number, MON + timedelta(days=number), STANDARD, SIDED, counts)


def test_bundled_rule_is_twenty_percent_over_three_sessions() -> None:
    assert (BALANCE.percent, BALANCE.sessions) == (20, 3)


def test_a_side_twenty_percent_behind_is_named_with_the_numbers() -> None:
    history = [session(1, 8, 10), session(2, 8, 10), session(3, 8, 10)]
    assert imbalance(history, BALANCE) == Imbalance("left", "right", 24, 30, 20, 3)


def test_just_under_twenty_percent_is_not_mentioned() -> None:
    history = [session(1, 9, 10), session(2, 8, 10), session(3, 8, 10)]  # 25 vs 30: 16.7%
    assert imbalance(history, BALANCE) is None


def test_only_the_latest_three_complete_sessions_count() -> None:
    old_gap = [session(1, 5, 15), session(2, 5, 15)]
    recent = [session(3, 12, 12), session(4, 12, 12), session(5, 12, 12)]
    assert imbalance(old_gap + recent, BALANCE) is None
    behind_right = [session(3, 15, 10), session(4, 15, 10), session(5, 15, 10)]
    result = imbalance(old_gap + behind_right, BALANCE)
    assert result is not None and (result.behind, result.percent) == ("right", 33)


def test_sessions_missing_a_side_are_passed_over() -> None:
    history = [session(1, 8, 10), session(2, 8, None), session(3, 8, 10), session(4, 8, 10)]
    assert imbalance(history, BALANCE) == Imbalance("left", "right", 24, 30, 20, 3)
    assert imbalance(history[:3], BALANCE) is None  # two complete sessions are no verdict


def test_unsided_exercises_never_have_an_imbalance() -> None:
    history = [SessionRecord(i, MON, STANDARD, UNSIDED, {None: 5}) for i in range(1, 6)]
    assert imbalance(history, BALANCE) is None


counts = st.integers(1, 40)
optional = st.one_of(st.none(), counts, counts, counts)


@st.composite
def histories(draw: st.DrawFn) -> list[SessionRecord]:
    pairs = draw(st.lists(st.tuples(optional, optional), max_size=8))
    records = [session(i, left, right) for i, (left, right) in enumerate(pairs, 1)]
    return draw(st.permutations(records))


rules = st.builds(BalanceRules, percent=st.integers(1, 99), sessions=st.integers(1, 5))


@given(histories(), rules)
def test_imbalance_is_exactly_the_rule(history: list[SessionRecord], rule: BalanceRules) -> None:
    complete = sorted((r for r in history if len(r.counts) == 2), key=lambda r: r.number)
    recent = complete[-rule.sessions :] if len(complete) >= rule.sessions else []
    left = sum(r.counts["left"] for r in recent)
    right = sum(r.counts["right"] for r in recent)
    result = imbalance(history, rule)
    if not recent or left == right:
        assert result is None
        return
    low, high = sorted((left, right))
    expected_flag = Fraction(high - low, high) >= Fraction(rule.percent, 100)
    assert (result is not None) == expected_flag
    if result is not None:
        assert result.behind == ("left" if left < right else "right")
        assert (result.behind_total, result.ahead_total) == (low, high)
        assert result.percent >= rule.percent
        assert result.sessions == rule.sessions


@given(histories(), rules)
def test_swapping_the_sides_swaps_the_verdict(
    history: list[SessionRecord], rule: BalanceRules
) -> None:
    mirrored = [
        replace(r, counts={("right" if s == "left" else "left"): n for s, n in r.counts.items()})
        for r in history
    ]
    result, mirror = imbalance(history, rule), imbalance(mirrored, rule)
    assert (result is None) == (mirror is None)
    if result is not None and mirror is not None:
        assert (mirror.behind, mirror.ahead) == (result.ahead, result.behind)
        assert mirror.percent == result.percent


@given(histories(), rules, st.integers(2, 5))
def test_doing_more_of_everything_in_proportion_changes_nothing(
    history: list[SessionRecord], rule: BalanceRules, factor: int
) -> None:
    scaled = [replace(r, counts={s: n * factor for s, n in r.counts.items()}) for r in history]
    assert (imbalance(history, rule) is None) == (imbalance(scaled, rule) is None)
