"""The reminders' pace remembers the rate its latest backlog really went at."""

from __future__ import annotations

from handlers.reminders import ReminderPace


async def test_a_backlog_teaches_the_rate_the_next_crowd_is_planned_with() -> None:
    pace = ReminderPace(20, 2)  # batches of 40
    assert pace.expected_total() is None, "nothing measured: the configured rate is used"
    pace.observe(79, 1.0)
    assert pace.expected_total() is None, "under two batches is no backlog"
    pace.observe(400, 25.0)
    assert pace.expected_total() == 16.0
    pace.share(2)
    assert pace.expected_total() == 32.0, "every live sender is expected to reach as much"
