"""Keep a person's next reminder instant in step with their settings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Person
from bot.domain.schedule import mask_to_days, next_due


def reschedule(
    person: Person,
    now: datetime,
    *,
    not_before_day: date | None = None,
    lookback: timedelta = timedelta(0),
) -> None:
    """Set the person's next daily reminder from their settings (none when off or blocked).

    not_before_day: the first local day that may get one (after a reminder for a day was
    handled, the next belongs to a later day). lookback: also accept an instant this far in
    the past, so a reminder that came due during downtime is still sent within the grace.
    """
    if not person.reminders_on or person.blocked or not person.remind_days:
        person.next_reminder_at = None
        person.next_reminder_day = None
        person.next_reminder_seq = 0
        return
    found = next_due(
        now,
        person.remind_at,
        ZoneInfo(person.timezone),
        mask_to_days(person.remind_days),
        paused_until=person.paused_until,
        not_before_day=not_before_day,
        lookback=lookback,
    )
    if found is None:
        person.next_reminder_at = None
        person.next_reminder_day = None
    else:
        person.next_reminder_at, person.next_reminder_day = found
    person.next_reminder_seq = 0
