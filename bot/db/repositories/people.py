"""People: who talks to the coach, and whose reminder is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person
from bot.db.repositories.dialect import insert_for

# Nearly every update starts by finding its person: the statement is built once.
_BY_TELEGRAM_ID = select(Person).where(Person.telegram_id == bindparam("telegram_id"))


class PeopleRepository:
    """Rows of the people table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, person_id: int) -> Person | None:
        """Return a person by their row id."""
        return await self._session.get(Person, person_id)

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        """Return the person for a Telegram user id, if they ever wrote to the coach."""
        return await self._session.scalar(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})

    async def known(
        self, telegram_id: int, *, chat_id: int, first_name: str, now: datetime
    ) -> Person | None:
        """Return the person for a Telegram user, their chat and name kept up to date, if known."""
        person = await self.by_telegram_id(telegram_id)
        if person is not None and (
            person.chat_id != chat_id or (first_name and person.first_name != first_name)
        ):
            person.chat_id = chat_id
            person.first_name = first_name or person.first_name
            person.updated_at = now
        return person

    async def get_or_create(
        self,
        *,
        telegram_id: int,
        chat_id: int,
        first_name: str,
        timezone: str,
        now: datetime,
        reminders_on: bool,
        language: str = "en",
    ) -> tuple[Person, bool]:
        """Return the person for a Telegram user and whether the row is new.

        INSERT .. ON CONFLICT DO NOTHING keeps two concurrent first updates from failing.
        chat_id is the person's private chat: the only chat personal messages go to.
        """
        person = await self.known(telegram_id, chat_id=chat_id, first_name=first_name, now=now)
        if person is not None:
            return person, False
        insert = insert_for(self._session)
        # RETURNING the new row as the person: no second read of what was just written.
        created = await self._session.scalars(
            insert(Person)
            .values(
                telegram_id=telegram_id,
                chat_id=chat_id,
                first_name=first_name,
                timezone=timezone,
                created_at=now,
                updated_at=now,
                reminders_on=reminders_on,
                language=language,
            )
            .on_conflict_do_nothing(index_elements=["telegram_id"])
            .returning(Person)
        )
        person = created.one_or_none()
        if person is not None:
            return person, True
        # A concurrent first update inserted the row between the read and the insert.
        person = await self.by_telegram_id(telegram_id)
        assert person is not None
        return person, False

    async def language_of(self, telegram_id: int) -> str | None:
        """Return the language a person chose (or was given at first contact), if known."""
        return await self._session.scalar(
            select(Person.language).where(Person.telegram_id == telegram_id)
        )

    async def languages_in_use(self) -> list[str]:
        """Return the languages people use, most used first."""
        rows = await self._session.execute(
            select(Person.language, func.count()).group_by(Person.language)
        )
        return [language for language, _ in sorted(rows.all(), key=lambda row: -row[1])]

    async def due(self, now: datetime, limit: int) -> list[Person]:
        """Lock and return people whose next reminder is due, oldest first.

        FOR UPDATE SKIP LOCKED: concurrent sweeps take disjoint people (SQLite: the write lock).
        """
        if limit <= 0:
            return []
        rows = await self._session.scalars(
            select(Person)
            .where(Person.next_reminder_at.is_not(None), Person.next_reminder_at <= now)
            .order_by(Person.next_reminder_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.all())

    async def upcoming(self, after: datetime, until: datetime) -> list[tuple[datetime, int]]:
        """Return (instant, how many) of the reminders due after one instant up to another.

        One range scan of the schedule's index, grouped: what early start needs to know.
        """
        rows = await self._session.execute(
            select(Person.next_reminder_at, func.count())
            .where(Person.next_reminder_at > after, Person.next_reminder_at <= until)
            .group_by(Person.next_reminder_at)
            .order_by(Person.next_reminder_at)
        )
        return [(due, int(count)) for due, count in rows.all() if due is not None]

    async def oldest_due(self, now: datetime) -> datetime | None:
        """Return the instant of the most overdue reminder, if any is due."""
        return await self._session.scalar(
            select(func.min(Person.next_reminder_at)).where(Person.next_reminder_at <= now)
        )

    async def count(self, *, blocked_only: bool = False) -> int:
        """Return how many people there are (or how many blocked the bot)."""
        query = select(func.count()).select_from(Person)
        if blocked_only:
            query = query.where(Person.blocked.is_(True))
        return int(await self._session.scalar(query) or 0)
