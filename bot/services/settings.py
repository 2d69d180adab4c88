"""A person's reminder settings: zone, time, days, routine, pause; each change reschedules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Person
from bot.db.unit_of_work import UnitOfWorkFactory
from bot.domain.schedule import EVERY_DAY, WORKDAYS, days_to_mask, local_date, mask_to_days
from bot.domain.screening import Screening
from bot.domain.zones import zone_info
from bot.services.clock import Clock
from bot.services.people import PeopleService, PersonRef
from bot.services.scheduling import reschedule
from content import Library

MAX_PAUSE_DAYS = 90
DEFAULT_PAUSE_DAYS = 7


@dataclass(frozen=True)
class ReminderSettings:
    """Everything /settings shows."""

    timezone: str
    reminders_on: bool
    remind_at: time
    days: frozenset[int]
    routine_id: str
    paused_until: date | None
    blocked: bool
    next_local: datetime | None  # the next reminder in the person's zone
    now_local: datetime
    screening: Screening | None = None  # the first-use hip question's answer
    data_saver: bool = False  # exercise steps as text only, without animations


class SettingsService:
    """Reads and changes reminder settings; every change recomputes the next reminder.

    A change is a choice the person makes: it registers someone unknown (with reminders on,
    as /start would). Reading writes nothing and is None for someone unknown.
    """

    def __init__(
        self,
        units: UnitOfWorkFactory,
        people: PeopleService,
        library: Library,
        clock: Clock,
    ) -> None:
        self._units = units
        self._people = people
        self._library = library
        self._clock = clock

    async def get(self, ref: PersonRef) -> ReminderSettings | None:
        """Return the person's settings, or None when nothing is stored about them."""
        now = self._clock()
        async with self._units() as uow:
            await uow.reads_only()
            person = await self._people.find_in(uow, ref)
            return None if person is None else self._view(person, now)

    async def set_timezone(self, ref: PersonRef, zone: str) -> ReminderSettings:
        """Move the person to another IANA zone (already validated by the caller)."""
        zone_info(zone)  # a last guard: a name no reminder sweep can read must never be stored

        def change(person: Person) -> None:
            person.timezone = zone

        return await self._change(ref, change)

    async def set_time(self, ref: PersonRef, at: time) -> ReminderSettings:
        """Set the reminder time and turn reminders on."""

        def change(person: Person) -> None:
            person.remind_at = at.replace(second=0, microsecond=0)
            person.reminders_on = True

        return await self._change(ref, change)

    async def set_enabled(self, ref: PersonRef, on: bool) -> ReminderSettings:
        """Turn reminders on or off."""

        def change(person: Person) -> None:
            person.reminders_on = on

        return await self._change(ref, change)

    async def set_days(self, ref: PersonRef, days: frozenset[int]) -> ReminderSettings:
        """Choose the weekdays (0 = Monday); an empty choice falls back to workdays."""

        def change(person: Person) -> None:
            person.remind_days = days_to_mask(days or WORKDAYS)

        return await self._change(ref, change)

    async def toggle_day(self, ref: PersonRef, day: int) -> ReminderSettings:
        """Add or remove one weekday; the last chosen day cannot be removed."""

        def change(person: Person) -> None:
            days = set(mask_to_days(person.remind_days)) ^ {day}
            if days:
                person.remind_days = days_to_mask(days)

        return await self._change(ref, change)

    async def set_routine(self, ref: PersonRef, routine_id: str) -> ReminderSettings:
        """Choose which routine the reminder offers."""
        if routine_id not in self._library.routines:
            raise KeyError(routine_id)

        def change(person: Person) -> None:
            person.remind_routine = routine_id

        return await self._change(ref, change)

    async def set_data_saver(self, ref: PersonRef, on: bool) -> ReminderSettings:
        """Show exercise steps as text only (on) or with their animations (off)."""

        def change(person: Person) -> None:
            person.data_saver = on

        return await self._change(ref, change)

    async def pause(self, ref: PersonRef, days: int) -> ReminderSettings:
        """Pause reminders for `days` local days from today, and record the paused days."""
        days = max(1, min(days, MAX_PAUSE_DAYS))
        now = self._clock()
        async with self._units() as uow:
            person = await self._people.join_in(uow, ref, reminders_on=True)
            today = local_date(now, ZoneInfo(person.timezone))
            until = today + timedelta(days=days - 1)
            await uow.pauses.end_before(person.id, today)
            uow.pauses.add(person.id, today, until)
            person.paused_until = until
            reschedule(person, now)
            await uow.commit()
            return self._view(person, now)

    async def resume(self, ref: PersonRef) -> tuple[ReminderSettings, bool] | None:
        """End a pause today: reminders come back from the next chosen time.

        Return the settings and whether a pause was on; None when nothing is stored about the
        person (there is nothing to resume, and nobody is created for it).
        """
        now = self._clock()
        async with self._units() as uow:
            person = await self._people.find_in(uow, ref)
            if person is None:
                return None
            was_paused = person.paused_until is not None
            today = local_date(now, ZoneInfo(person.timezone))
            await uow.pauses.end_before(person.id, today)
            person.paused_until = None
            reschedule(person, now)
            await uow.commit()
            return self._view(person, now), was_paused

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        """Stop reminders when the person blocks the bot; restart them when they return."""
        now = self._clock()
        async with self._units() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None or person.blocked == blocked:
                return
            person.blocked = blocked
            reschedule(person, now)
            await uow.commit()

    async def _change(self, ref: PersonRef, change: Callable[[Person], None]) -> ReminderSettings:
        now = self._clock()
        async with self._units() as uow:
            person = await self._people.join_in(uow, ref, reminders_on=True)
            change(person)
            person.updated_at = now
            if person.blocked:
                # Someone who changes a setting is talking to us: they are not blocking.
                person.blocked = False
            reschedule(person, now)
            await uow.commit()
            return self._view(person, now)

    @staticmethod
    def _view(person: Person, now: datetime) -> ReminderSettings:
        zone = ZoneInfo(person.timezone)
        next_local = person.next_reminder_at.astimezone(zone) if person.next_reminder_at else None
        return ReminderSettings(
            timezone=person.timezone,
            reminders_on=person.reminders_on,
            remind_at=person.remind_at,
            days=mask_to_days(person.remind_days),
            routine_id=person.remind_routine,
            paused_until=person.paused_until,
            blocked=person.blocked,
            next_local=next_local,
            now_local=now.astimezone(zone),
            screening=Screening(person.screening) if person.screening else None,
            data_saver=person.data_saver,
        )


__all__ = ["EVERY_DAY", "WORKDAYS", "ReminderSettings", "SettingsService"]
