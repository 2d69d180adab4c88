"""The paid broadcasts budget: messages reserved per UTC day, under the day's cap."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PaidBroadcastDay
from bot.db.repositories.dialect import insert_for


class PaidBroadcastRepository:
    """Rows of the paid_broadcasts table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve(self, day: date, wanted: int, cap: int) -> int:
        """Reserve up to `wanted` messages of the day, never past `cap`; return how many.

        The day's row is locked (SQLite: the write lock) from the read to the commit, so two
        processes reserving at once never both take the last ones.
        """
        if wanted <= 0:
            return 0
        insert = insert_for(self._session)
        await self._session.execute(
            insert(PaidBroadcastDay)
            .values(day=day, messages=0)
            .on_conflict_do_nothing(index_elements=["day"])
        )
        used = await self._session.scalar(
            select(PaidBroadcastDay.messages).where(PaidBroadcastDay.day == day).with_for_update()
        )
        granted = max(0, min(wanted, cap - (used or 0)))
        if granted:
            await self._session.execute(
                update(PaidBroadcastDay)
                .where(PaidBroadcastDay.day == day)
                .values(messages=PaidBroadcastDay.messages + granted)
            )
        return granted

    async def give_back(self, day: date, count: int) -> None:
        """Return reserved messages that were not sent."""
        if count > 0:
            await self._session.execute(
                update(PaidBroadcastDay)
                .where(PaidBroadcastDay.day == day)
                .values(messages=PaidBroadcastDay.messages - count)
            )

    async def used(self, day: date) -> int:
        """Return how many messages of the day are sent or reserved."""
        value = await self._session.scalar(
            select(PaidBroadcastDay.messages).where(PaidBroadcastDay.day == day)
        )
        return int(value or 0)
