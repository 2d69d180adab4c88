"""Streak rules: which days count, which break a run, and which milestones to celebrate.

Vocabulary used throughout:

* A *done* day is a local date on which the person finished a routine (the caller decides what
  finished means and converts instants to local dates, see :func:`local_day`).
* A *required* day is a day whose weekday is one of the chosen training weekdays and which is
  not paused.  Every other day is a *rest* day (weekday not chosen) or a *paused* day.
* A *break* is a required day that is not done and is already over, i.e. strictly before
  ``today``.  Today is never a break (there is still time to train) and neither is any later day.
* The days before the person *joined* (their first local day) are neither missed nor counted:
  the rows of marks show them as before joining.

The rules follow from that:

* A streak is the number of done days between two breaks.  Rest and paused days never break
  it; when the person trains on one anyway that day still adds one (it is extra effort).
* The current streak is the run that reaches today: the done days after the latest break.
  It is 0 when a required day since the last done day was missed.
* The best streak is the longest run anywhere in the history, with the *current* schedule
  and pauses (the schedule's history is not kept, so old weeks are judged by today's rules).
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

MILESTONES: tuple[int, ...] = (3, 7, 14, 30, 50, 100)
EVERY_DAY: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))  # Monday..Friday
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    """The chosen training weekdays (0=Monday..6=Sunday) and the paused dates."""

    training_weekdays: frozenset[int] = EVERY_DAY
    paused: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        """Reject weekdays outside 0..6, which would silently never match a date."""
        bad = sorted(day for day in self.training_weekdays if not 0 <= day <= 6)
        if bad:
            raise ValueError(f"training weekdays must be 0..6, got {bad}")

    def is_required(self, day: date) -> bool:
        """Return whether missing this day (once it is over) breaks a streak."""
        return day.weekday() in self.training_weekdays and day not in self.paused

    def with_pause(self, first: date, last: date) -> Schedule:
        """Return a copy with every day from first to last (both included) paused."""
        if last < first:
            raise ValueError("a pause cannot end before it starts")
        days = ((first + timedelta(days=offset)) for offset in range((last - first).days + 1))
        return Schedule(self.training_weekdays, self.paused | frozenset(days))


@dataclass(frozen=True)
class StreakSummary:
    """Streak figures for one person on one local day."""

    current: int
    best: int
    days_trained: int
    total_sessions: int
    # True when today is a required day, not trained yet, and there is a streak to keep:
    # the streak survives until the day is over, but training today is what keeps it.
    alive_today_pending: bool
    last_day: date | None


class Mark(enum.StrEnum):
    """How a day of the week row looks."""

    DONE = "done"
    MISSED = "missed"
    REST = "rest"
    PAUSED = "paused"
    TODAY_PENDING = "today_pending"
    FUTURE = "future"
    BEFORE_JOINING = "before_joining"


@dataclass(frozen=True)
class DayMark:
    """One day of the week row and its mark."""

    day: date
    mark: Mark


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """Return the date on the wall calendar in a zone at an aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        # A naive datetime would be read as the server's local time, which is never right here.
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(zone).date()


def streak(done_days: Iterable[date], schedule: Schedule, today: date) -> StreakSummary:
    """Return current and best streaks and totals for the local dates of finished sessions."""
    entries = list(done_days)
    if any(isinstance(day, datetime) for day in entries):
        # A datetime is a date subclass, so it would slip through and never equal a local date.
        raise TypeError("pass local dates (see local_day), not datetimes")
    days = sorted(set(entries))
    if not days:
        return StreakSummary(0, 0, 0, len(entries), False, None)

    counter = _BreakCounter(schedule, today)
    # Runs are measured between consecutive done days, so the cost grows with the number of
    # sessions (times a log of the pauses), not with the calendar span between them.
    best = run = 1
    for earlier, later in pairwise(days):
        run = 1 if counter.any_between(earlier, later) else run + 1
        best = max(best, run)

    last = days[-1]
    current = 0 if counter.any_between(last, today) else run
    pending = current > 0 and schedule.is_required(today) and last < today
    return StreakSummary(current, best, len(days), len(entries), pending, last)


def week_marks(
    done_days: Iterable[date], schedule: Schedule, today: date, *, joined: date
) -> list[DayMark]:
    """Return Monday..Sunday of today's ISO week, each with its mark."""
    monday = today - timedelta(days=today.weekday())
    return day_marks(done_days, schedule, monday, monday + timedelta(days=6), today, joined=joined)


def day_marks(
    done_days: Iterable[date],
    schedule: Schedule,
    first: date,
    last: date,
    today: date,
    *,
    joined: date,
) -> list[DayMark]:
    """Return every day from first to last (both included), each with its mark as of today."""
    done = set(done_days)
    count = (last - first).days + 1
    return [_mark(first + timedelta(days=i), done, schedule, today, joined) for i in range(count)]


def milestones_reached(
    previous_current: int, new_current: int, already_celebrated: AbstractSet[int]
) -> list[int]:
    """Return the milestones crossed by this change and not celebrated before, ascending."""
    if previous_current < 0 or new_current < 0:
        raise ValueError("streaks are never negative")
    # Only crossings count: a person already past a milestone when it was introduced, or one
    # whose streak was recomputed lower, is not congratulated for a day that did not happen.
    return [
        milestone
        for milestone in MILESTONES
        if previous_current < milestone <= new_current and milestone not in already_celebrated
    ]


def _mark(day: date, done: set[date], schedule: Schedule, today: date, joined: date) -> DayMark:
    # Done wins over everything: training on a rest or paused day shows as done.
    if day in done:
        return DayMark(day, Mark.DONE)
    if day < joined:
        return DayMark(day, Mark.BEFORE_JOINING)
    if day in schedule.paused:
        return DayMark(day, Mark.PAUSED)
    if day.weekday() not in schedule.training_weekdays:
        return DayMark(day, Mark.REST)
    if day == today:
        return DayMark(day, Mark.TODAY_PENDING)
    return DayMark(day, Mark.FUTURE if day > today else Mark.MISSED)


class _BreakCounter:
    """Tell whether a break lies strictly between two dates, without walking the days."""

    def __init__(self, schedule: Schedule, today: date) -> None:
        self._weekdays = schedule.training_weekdays
        self._today = today
        # Only pauses on training weekdays remove a required day; the others change nothing.
        self._paused = sorted(d for d in schedule.paused if d.weekday() in self._weekdays)

    def any_between(self, earlier: date, later: date) -> bool:
        """Return whether a required, missed, already-over day lies strictly between."""
        start = earlier + _ONE_DAY
        stop = min(later, self._today)  # exclusive; today and later days are never breaks
        if stop <= start:
            return False
        required = _weekdays_in(start, stop, self._weekdays)
        paused = bisect.bisect_left(self._paused, stop) - bisect.bisect_left(self._paused, start)
        # Done days are not in the open interval (they are consecutive in the sorted list), so
        # any required day left over was missed.
        return required > paused


def _weekdays_in(start: date, stop: date, weekdays: frozenset[int]) -> int:
    """Count days in [start, stop) whose weekday is in weekdays."""
    span = (stop - start).days
    whole_weeks, rest = divmod(span, 7)
    first = start.weekday()
    tail = sum(1 for offset in range(rest) if (first + offset) % 7 in weekdays)
    return whole_weeks * len(weekdays) + tail
