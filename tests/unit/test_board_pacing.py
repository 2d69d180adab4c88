"""Board edit pacing in a group: examples, and properties of a simulated day of finishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate, pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.board_pacing import GROUP_LIMIT, GROUP_WINDOW, GroupEditPacer


@dataclass
class Run:
    """What the group saw: the edit times, and which edit showed each finish."""

    edits: list[float] = field(default_factory=list)
    shown_by: list[int | None] = field(default_factory=list)


def simulate(pacer: GroupEditPacer, finishes: list[float]) -> Run:
    """Drive the pacer as the service does: edit at once when allowed, else one job at flush_at."""
    run = Run()
    unshown: list[int] = []
    job: float | None = None

    def flush(now: float) -> None:
        if pacer.try_flush(now):
            run.edits.append(now)
            for index in unshown:
                run.shown_by[index] = len(run.edits) - 1
            unshown.clear()

    def run_job() -> None:
        nonlocal job
        assert job is not None
        now, job = job, None
        flush(now)
        assert len(run.edits) <= len(finishes), "the pacer keeps asking for edits"
        job = pacer.flush_at(now)  # None once the edit went out

    for index, now in enumerate(sorted(finishes)):
        while job is not None and job <= now:
            run_job()
        pacer.mark_dirty()
        unshown.append(index)
        run.shown_by.append(None)
        at = pacer.flush_at(now)
        assert at is not None and at >= now
        if at == now:
            flush(now)
        elif job is None:
            job = at
        else:
            assert job == at  # a pending job already covers this finish
    while job is not None:
        run_job()
    return run


# --- examples --------------------------------------------------------------------------------


def test_defaults_are_telegrams_group_limit_spread_evenly() -> None:
    pacer = GroupEditPacer()
    assert (pacer.limit, pacer.window, pacer.min_gap) == (GROUP_LIMIT, GROUP_WINDOW, 3.0)


def test_a_burst_of_finishes_becomes_one_edit_at_the_next_allowed_moment() -> None:
    run = simulate(GroupEditPacer(), [100.0, 100.2, 100.5, 101.0, 102.9])
    assert run.edits == [100.0, 103.0]
    assert run.shown_by == [0, 1, 1, 1, 1]


def test_a_clean_board_is_not_edited() -> None:
    pacer = GroupEditPacer()
    assert pacer.flush_at(5.0) is None
    assert not pacer.try_flush(5.0)
    pacer.mark_dirty()
    assert pacer.dirty and pacer.flush_at(5.0) == 5.0
    assert pacer.try_flush(5.0)
    assert not pacer.dirty and not pacer.try_flush(9.0)


def test_a_failed_edit_is_retried_after_the_gap() -> None:
    pacer = GroupEditPacer()
    pacer.mark_dirty()
    assert pacer.try_flush(0.0)
    pacer.mark_dirty()  # Telegram refused the edit
    assert not pacer.try_flush(1.0)
    assert pacer.flush_at(1.0) == 3.0


def test_the_window_caps_edits_even_without_a_gap() -> None:
    pacer = GroupEditPacer(limit=3, window=10.0, min_gap=0.0)
    for now in (0.0, 0.0, 1.0):
        pacer.mark_dirty()
        assert pacer.try_flush(now)
    pacer.mark_dirty()
    assert pacer.flush_at(2.0) == 10.0
    assert not pacer.try_flush(9.9)
    assert pacer.try_flush(10.0)


def test_other_messages_to_the_group_use_the_budget() -> None:
    pacer = GroupEditPacer(limit=2, window=60.0, min_gap=0.0)
    pacer.record(0.0)  # the daily post
    pacer.record(-5.0)  # a reply timed a little earlier: counted as the latest, never earlier
    pacer.mark_dirty()
    assert pacer.flush_at(1.0) == 60.0


@pytest.mark.parametrize(
    ("limit", "window", "gap"), [(0, 60.0, None), (20, 0.0, None), (20, 60.0, -1)]
)
def test_nonsense_limits_are_refused(limit: int, window: float, gap: float | None) -> None:
    with pytest.raises(ValueError):
        GroupEditPacer(limit, window, gap)


# --- properties ------------------------------------------------------------------------------

LIMITS = st.integers(1, 25)
WINDOWS = st.integers(1, 120)
GAPS = st.none() | st.integers(0, 10)
TIMES = st.lists(st.integers(0, 600), max_size=80)


@given(LIMITS, WINDOWS, GAPS, TIMES)
def test_edits_stay_under_the_limit_and_every_finish_is_shown(limit, window, gap, times) -> None:
    pacer = GroupEditPacer(limit, window, gap)
    finishes = sorted(float(t) for t in times)
    run = simulate(pacer, finishes)
    edits = run.edits
    assert edits == sorted(edits)
    assert len(edits) <= len(finishes)
    # Never more than `limit` edits in any `window`, and consecutive ones at least min_gap apart.
    for first, later in zip(edits, edits[limit:], strict=False):
        assert later >= first + window
    for first, later in pairwise(edits):
        assert later >= first + pacer.min_gap
    # Every finish is shown, by an edit at or after it; nothing is left dirty at the end.
    for finish, edit in zip(finishes, run.shown_by, strict=True):
        assert edit is not None and edits[edit] >= finish
    assert not pacer.dirty


@given(LIMITS, WINDOWS, GAPS, TIMES)
def test_no_edit_waits_longer_than_the_limit_requires(limit, window, gap, times) -> None:
    pacer = GroupEditPacer(limit, window, gap)
    finishes = sorted(float(t) for t in times)
    run = simulate(pacer, finishes)
    for index, edit in enumerate(run.edits):
        oldest = min(f for f, by in zip(finishes, run.shown_by, strict=True) if by == index)
        earliest = oldest
        if index >= 1:
            earliest = max(earliest, run.edits[index - 1] + pacer.min_gap)
        if index >= limit:
            earliest = max(earliest, run.edits[index - limit] + window)
        assert edit == earliest


@given(st.integers(0, 100), st.lists(st.integers(3, 200), max_size=60))
def test_sparse_finishes_are_each_shown_at_once(start, gaps) -> None:
    finishes = [float(t) for t in accumulate(gaps, initial=start)]
    run = simulate(GroupEditPacer(), finishes)
    assert run.edits == finishes


@given(LIMITS, WINDOWS, GAPS, st.integers(0, 100), st.lists(st.integers(0, 200), max_size=60))
def test_finishes_spaced_by_the_budget_are_shown_at_once(limit, window, gap, start, gaps) -> None:
    pacer = GroupEditPacer(limit, window, gap)
    spacing = max(-(-window // limit), gap or 0)
    finishes = [float(t) for t in accumulate((spacing + g for g in gaps), initial=start)]
    run = simulate(pacer, finishes)
    assert run.edits == finishes
