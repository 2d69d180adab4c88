"""Early start: when many people chose the same minute, their reminders are centred on it.

Sending only at or after the chosen minute can never do better than N / rate: with 10,000
people at 09:00 and 29 reminders a second, the last one would arrive almost six minutes late.
Started N / (2 x rate) early, the sends are centred on the minute instead: half a little
before, half a little after. Never more than the allowed lead (REMINDER_EARLY_MAX_SECONDS),
and (checked by the claim, which knows each person's zone) never on another local day, never
before a pause ends, never a snooze.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def lead(count: int, rate: float, max_early: timedelta) -> timedelta:
    """Return how early a group of `count` reminders due at one instant starts going out."""
    if count <= 0 or rate <= 0:
        return timedelta(0)
    return min(max_early, timedelta(seconds=count / (2 * rate)))


def release_until(
    upcoming: Iterable[tuple[datetime, int]],
    now: datetime,
    rate: float,
    max_early: timedelta,
) -> datetime:
    """Return the latest due instant whose reminders may be claimed now (at least now).

    upcoming: (due instant, how many are due then) of the reminders due after now. A group is
    released once now has reached its instant minus its lead; everything due before a released
    group is released with it (the claim takes the earliest first, so the order is kept).
    """
    cutoff = now
    for due, count in upcoming:
        if due > cutoff and due - lead(count, rate, max_early) <= now:
            cutoff = due
    return cutoff
