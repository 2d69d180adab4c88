"""The reminders' pace measures the rate a backlog really goes at, while it goes."""

from __future__ import annotations

import pytest

from handlers.reminders import ReminderPace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def send(pace: ReminderPace, clock: Clock, count: int, seconds_each: float) -> None:
    for _ in range(count):
        clock.now += seconds_each
        pace.sent_one()


async def test_a_backlog_teaches_the_rate_its_crowd_is_planned_with() -> None:
    clock = Clock()
    pace = ReminderPace(20, 2, clock=clock)  # batches of 40
    assert pace.expected_total() is None, "nothing measured: the configured rate is used"
    pace.begin()
    send(pace, clock, 79, 0.0625)
    assert pace.expected_total() is None, "under two batches is no backlog"
    send(pace, clock, 1, 0.0625)
    assert pace.expected_total() == pytest.approx(16.0), "measured from the end of the first batch"
    pace.share(2)
    assert pace.expected_total() == pytest.approx(32.0), "each live sender reaches as much"


async def test_the_rate_follows_the_backlog_as_it_goes() -> None:
    """A crowd started from a slow estimate learns its real rate within two batches."""
    clock = Clock()
    pace = ReminderPace(20, 2, clock=clock)
    pace.begin()
    send(pace, clock, 120, 0.1)  # an earlier, slower backlog: 10 a second
    assert pace.expected_total() == pytest.approx(10.0)
    pace.begin()
    send(pace, clock, 40, 0.0)  # the pipeline filling: the first batch goes at once
    assert pace.expected_total() == pytest.approx(10.0), "the first batch says nothing yet"
    send(pace, clock, 40, 0.05)
    assert pace.expected_total() == pytest.approx(20.0), "the new rate, not the burst"


async def test_a_short_sweep_keeps_the_last_backlogs_rate() -> None:
    clock = Clock()
    pace = ReminderPace(20, 2, clock=clock)
    pace.begin()
    send(pace, clock, 80, 0.0625)
    pace.begin()
    send(pace, clock, 50, 1.0)  # a trickle of single reminders is no backlog
    assert pace.expected_total() == pytest.approx(16.0)
