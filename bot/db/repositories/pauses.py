"""Paused days: holidays that neither count nor break a streak."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Pause

_OF = (
    select(Pause.person_id, Pause.first_day, Pause.last_day)
    .where(Pause.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(Pause.first_day)
)


class PauseRepository:
    """Rows of the pauses table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, person_ids: Sequence[int]) -> list[tuple[int, date, date]]:
        """Return (person id, first day, last day) of every pause of these people, oldest first."""
        rows = await self._session.execute(_OF, {"person_ids": list(person_ids)})
        return [(person_id, first, last) for person_id, first, last in rows.all()]

    def add(self, person_id: int, first: date, last: date) -> None:
        """Record a pause."""
        self._session.add(Pause(person_id=person_id, first_day=first, last_day=last))

    async def end_before(self, person_id: int, today: date) -> None:
        """Cut pauses that reach today or later so they end yesterday (today is not paused)."""
        open_pauses = await self._session.scalars(
            select(Pause).where(Pause.person_id == person_id, Pause.last_day >= today)
        )
        for pause in open_pauses.all():
            if pause.first_day >= today:
                await self._session.execute(delete(Pause).where(Pause.id == pause.id))
            else:
                pause.last_day = today - timedelta(days=1)
