"""Early start: a crowded minute's reminders centred on it, never more than the limit early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.early_start import lead, release_until

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CAP = timedelta(seconds=180)


def test_a_crowd_starts_half_its_sending_time_early() -> None:
    # 10,000 at 29 a second take 345 s: started 172 s early, the last is 172 s late.
    assert lead(10_000, 29, CAP) == timedelta(seconds=10_000 / 58)
    assert lead(100_000, 29, CAP) == CAP, "never more than the limit"
    assert lead(1, 29, CAP) < timedelta(seconds=1)
    assert lead(0, 29, CAP) == timedelta(0)


def test_the_cutoff_releases_a_group_only_from_its_lead_on() -> None:
    upcoming = [(NINE, 10_000), (NINE + timedelta(minutes=1), 10)]
    start = NINE - lead(10_000, 29, CAP)
    assert release_until(upcoming, start - timedelta(seconds=1), 29, CAP) == start - timedelta(
        seconds=1
    )
    assert release_until(upcoming, start, 29, CAP) == NINE
    # The small group a minute later goes at its own time, less its own short lead.
    half_past = NINE + timedelta(seconds=30)
    assert release_until(upcoming[1:], half_past, 29, CAP) == half_past
    later = NINE + timedelta(minutes=1)
    assert release_until(upcoming, later - timedelta(seconds=0.1), 29, CAP) == later


instants = st.integers(min_value=1, max_value=600).map(lambda s: NINE + timedelta(seconds=s))
groups = st.lists(
    st.tuples(instants, st.integers(min_value=1, max_value=200_000)), max_size=20
).map(lambda items: sorted(dict(items).items()))


@given(
    groups,
    st.integers(min_value=0, max_value=600),
    st.floats(min_value=0.5, max_value=1000),
    st.integers(min_value=0, max_value=600),
)
def test_nothing_is_released_earlier_than_its_lead_or_the_limit(
    upcoming: list[tuple[datetime, int]], now_s: int, rate: float, cap_s: int
) -> None:
    now = NINE + timedelta(seconds=now_s)
    cap = timedelta(seconds=cap_s)
    cutoff = release_until(upcoming, now, rate, cap)
    assert now <= cutoff <= now + cap
    # The latest group released was released by its own lead; a later one is not yet.
    for due, count in upcoming:
        if due > now and due <= cutoff and due == cutoff:
            assert due - lead(count, rate, cap) <= now
    # A later moment never releases less.
    assert release_until(upcoming, now + timedelta(seconds=1), rate, cap) >= cutoff
