"""Reminder times: parse what people type, and find the next instant in their own zone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORKDAYS = frozenset(range(5))  # Monday..Friday, as date.weekday() numbers them
EVERY_DAY = frozenset(range(7))
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$",
    re.IGNORECASE | re.ASCII,
)
# How far ahead to look for a chosen day: a week covers every weekday set, plus any pause.
_WEEK = 7


def parse_time(text: str) -> time | None:
    """Read '7:30', '07:30', '19:05', '7pm' or '7:30 am'; return None for anything else."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif match["m"] is None:
        return None  # a bare number like '7' is too ambiguous to guess
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def days_to_mask(days: Iterable[int]) -> int:
    """Pack weekday numbers (0 = Monday) into a bit mask for storage."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"not a weekday number: {day}")
        mask |= 1 << day
    return mask


def mask_to_days(mask: int) -> frozenset[int]:
    """Unpack a bit mask made by days_to_mask."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """Return the calendar day an instant falls on in a zone."""
    return instant.astimezone(zone).date()


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a local wall time on a day.

    A time that occurs twice (autumn) gives the first occurrence. A time that does not exist
    (the spring gap) gives the first valid instant after it: the moment the clocks jump.
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    # In a gap: fold=1 reads the wall time with the offset after the jump, giving an instant
    # before the jump; search the whole seconds between the two readings for the jump.
    before = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    after = int(first.timestamp())
    low, high = min(before, after), max(before, after)
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def next_reminder(
    after: datetime,
    at: time,
    zone: ZoneInfo,
    days: frozenset[int],
    *,
    paused_until: date | None = None,
) -> tuple[datetime, date] | None:
    """Return the first reminder instant strictly after `after`, and its local day.

    Only chosen weekdays count, and none up to and including `paused_until`. None when no
    weekday is chosen.
    """
    if not days:
        return None
    start = local_date(after, zone)
    if paused_until is not None and paused_until >= start:
        start = paused_until + timedelta(days=1)
    for offset in range(_WEEK + 1):
        day = start + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        instant = local_instant(day, at, zone)
        if instant > after:
            return instant, day
    raise AssertionError("a chosen weekday always occurs within eight days")


def next_due(
    now: datetime,
    at: time,
    zone: ZoneInfo,
    days: frozenset[int],
    *,
    paused_until: date | None = None,
    not_before_day: date | None = None,
    lookback: timedelta = timedelta(0),
) -> tuple[datetime, date] | None:
    """Return the next scheduled instant after now, and its local day (a person's or a team's).

    not_before_day: the first local day that may get one (after a day's message was handled,
    the next belongs to a later day). lookback: also accept an instant this far in the past,
    so one that came due while the bot was down still goes out within the grace.
    """
    after = now - lookback
    if not_before_day is not None:
        # One instant before the day starts, since next_reminder looks strictly after.
        after = max(after, day_start(not_before_day, zone) - timedelta(microseconds=1))
    return next_reminder(after, at, zone, days, paused_until=paused_until)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant a local day begins (the first valid instant after 00:00)."""
    return local_instant(day, time(0, 0), zone)
