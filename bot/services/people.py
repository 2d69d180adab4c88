"""Who is talking to the coach: the reference handlers pass in, and first contact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repositories as repo
from bot.db.models import Person
from bot.services.clock import Clock
from bot.services.scheduling import reschedule


@dataclass(frozen=True)
class PersonRef:
    """The Telegram identity behind an update."""

    telegram_id: int
    chat_id: int
    first_name: str


class PeopleService:
    """Registers people on first contact and keeps their chat details current."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, default_timezone: str
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._default_timezone = default_timezone

    async def ensure(self, ref: PersonRef) -> Person:
        """Return the person's row, creating it on first contact."""
        async with self._sessions.begin() as session:
            return await self.ensure_in(session, ref)

    async def register(self, ref: PersonRef) -> bool:
        """Register the person (or refresh their details); return whether they are new.

        Someone writing to us is not blocking us: a stale 'blocked' mark is cleared.
        """
        async with self._sessions.begin() as session:
            person, created = await self.ensure_new_in(session, ref)
            if person.blocked:
                person.blocked = False
                reschedule(person, self._clock())
            return created

    async def ensure_in(self, session: AsyncSession, ref: PersonRef) -> Person:
        """Like ensure, inside a transaction the caller owns."""
        person, _ = await self.ensure_new_in(session, ref)
        return person

    async def ensure_new_in(self, session: AsyncSession, ref: PersonRef) -> tuple[Person, bool]:
        """Return the person and whether this is their first contact; schedule a newcomer."""
        now = self._clock()
        person, created = await repo.get_or_create_person(
            session,
            telegram_id=ref.telegram_id,
            chat_id=ref.chat_id,
            first_name=ref.first_name,
            timezone=self._default_timezone,
            now=now,
        )
        if created:
            # Defaults: reminders on, 09:00 on workdays, in the default zone (changeable).
            reschedule(person, now)
        return person, created
