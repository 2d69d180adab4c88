"""Streak milestones already celebrated (read with the streak's facts, runs.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Milestone
from bot.db.repositories.dialect import insert_for


class MilestoneRepository:
    """Rows of the milestones table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
