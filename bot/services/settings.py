"""A person's reminder settings: zone, time, days, routine, pause; each change reschedules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Pause, Person
from bot.domain.schedule import EVERY_DAY, WORKDAYS, days_to_mask, local_date, mask_to_days
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


class SettingsService:
    """Reads and changes reminder settings; every change recomputes the next reminder."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        people: PeopleService,
        library: Library,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._people = people
        self._library = library
        self._clock = clock

    async def get(self, ref: PersonRef) -> ReminderSettings:
        """Return the person's settings (registering them on first contact)."""
        return await self._change(ref, None)

    async def set_timezone(self, ref: PersonRef, zone: str) -> ReminderSettings:
        """Move the person to another IANA zone (already validated by the caller)."""
        ZoneInfo(zone)  # a last guard: an unknown name must never reach the table

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

    async def pause(self, ref: PersonRef, days: int) -> ReminderSettings:
        """Pause reminders for `days` local days from today, and record the paused days."""
        days = max(1, min(days, MAX_PAUSE_DAYS))
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            today = local_date(now, ZoneInfo(person.timezone))
            until = today + timedelta(days=days - 1)
            await self._end_pauses(session, person.id, today)
            session.add(Pause(person_id=person.id, first_day=today, last_day=until))
            person.paused_until = until
            reschedule(person, now)
            return self._view(person, now)

    async def resume(self, ref: PersonRef) -> ReminderSettings:
        """End a pause today: reminders come back from the next chosen time."""
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            today = local_date(now, ZoneInfo(person.timezone))
            await self._end_pauses(session, person.id, today)
            person.paused_until = None
            reschedule(person, now)
            return self._view(person, now)

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        """Stop reminders when the person blocks the bot; restart them when they return."""
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None or person.blocked == blocked:
                return
            person.blocked = blocked
            reschedule(person, now)

    async def pauses(self, ref: PersonRef) -> list[tuple[date, date]]:
        """Return the person's paused day ranges (first, last), oldest first."""
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            rows = await session.execute(
                select(Pause.first_day, Pause.last_day)
                .where(Pause.person_id == person.id)
                .order_by(Pause.first_day)
            )
            return [(first, last) for first, last in rows.all()]

    @staticmethod
    async def _end_pauses(session: AsyncSession, person_id: int, today: date) -> None:
        """Cut pauses that reach today or later so they end yesterday (today is not paused)."""
        open_pauses = await session.scalars(
            select(Pause).where(Pause.person_id == person_id, Pause.last_day >= today)
        )
        for pause in open_pauses.all():
            if pause.first_day >= today:
                await session.execute(delete(Pause).where(Pause.id == pause.id))
            else:
                pause.last_day = today - timedelta(days=1)

    async def _change(
        self, ref: PersonRef, change: Callable[[Person], None] | None
    ) -> ReminderSettings:
        now = self._clock()
        async with self._sessions.begin() as session:
            person = await self._people.ensure_in(session, ref)
            if change is not None:
                change(person)
                person.updated_at = now
                if person.blocked:
                    # Someone who changes a setting is talking to us: they are not blocking.
                    person.blocked = False
                reschedule(person, now)
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
        )


__all__ = ["EVERY_DAY", "WORKDAYS", "ReminderSettings", "SettingsService"]
