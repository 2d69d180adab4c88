"""The reminders' pace measures the rate a backlog really goes at, while it goes."""

from __future__ import annotations

import pytest

from handlers.reminders import ReminderPace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def batches(pace: ReminderPace, clock: Clock, count: int, seconds_each: float) -> None:
    """Send `count` full batches, each taking this long (its claim included)."""
    for _ in range(count):
        clock.now += seconds_each
        pace.batch_sent(pace.batch)


async def test_a_backlog_teaches_the_rate_its_crowd_is_planned_with() -> None:
    clock = Clock()
    pace = ReminderPace(20, 2, clock=clock)  # batches of 40
    assert pace.expected_total() is None, "nothing measured: the configured rate is used"
    pace.begin()
    batches(pace, clock, 2, 2.5)
    assert pace.expected_total() is None, "under two batches after the first is no backlog"
    batches(pace, clock, 1, 2.5)
    assert pace.expected_total() == pytest.approx(16.0), "from the end of the first batch"
    pace.share(2)
    assert pace.expected_total() == pytest.approx(32.0), "each live sender reaches as much"


async def test_the_rate_follows_the_backlog_as_it_goes() -> None:
    """A crowd started from a slow estimate learns its real rate within three batches."""
    clock = Clock()
    pace = ReminderPace(20, 2, clock=clock)
    pace.begin()
    batches(pace, clock, 5, 4.0)  # an earlier, slower backlog: 10 a second
    assert pace.expected_total() == pytest.approx(10.0)
    pace.begin()
    batches(pace, clock, 1, 0.5)  # the first batch: its end is the mark, whatever its pace
    batches(pace, clock, 1, 2.0)
    assert pace.expected_total() == pytest.approx(10.0), "one batch says nothing yet"
    batches(pace, clock, 1, 2.0)
    assert pace.expected_total() == pytest.approx(20.0), "the new rate"


async def test_a_short_sweep_keeps_the_last_backlogs_rate() -> None:
    clock = Clock()
    pace = ReminderPace(20, 2, clock=clock)
    pace.begin()
    batches(pace, clock, 3, 2.5)
    pace.begin()
    batches(pace, clock, 1, 1.0)
    pace.batch_sent(3)  # a trickle of single reminders is no backlog
    clock.now += 5
    pace.batch_sent(2)
    assert pace.expected_total() == pytest.approx(16.0)
