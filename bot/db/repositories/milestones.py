"""Streak milestones already celebrated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Milestone
from bot.db.repositories.dialect import insert_for

_CELEBRATED = select(Milestone.days).where(Milestone.person_id == bindparam("person_id"))


class MilestoneRepository:
    """Rows of the milestones table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def celebrated(self, person_id: int) -> set[int]:
        """Return the milestones (in days) the person has been congratulated on."""
        rows = await self._session.scalars(_CELEBRATED, {"person_id": person_id})
        return set(rows.all())

    async def record_once(self, person_id: int, days: int, now: datetime) -> bool:
        """Record a celebrated milestone; return False when it had been celebrated already."""
        insert = insert_for(self._session)
        result = await self._session.execute(
            insert(Milestone)
            .values(person_id=person_id, days=days, celebrated_at=now)
            .on_conflict_do_nothing(index_elements=["person_id", "days"])
            .returning(Milestone.person_id)
        )
        return result.scalar_one_or_none() is not None
