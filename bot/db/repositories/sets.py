"""Logged sets: one row per step done or skipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Run, SetLog
from bot.domain.run import RunStatus, SetStatus


class SetRepository:
    """Rows of the set_logs table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def log(self, values: Mapping[str, object]) -> None:
        """Insert a logged set at once, with one plain INSERT (unique per run and step)."""
        await self._session.execute(insert(SetLog).values(**values))

    async def of_run(self, run_id: int) -> Sequence[SetLog]:
        """Return the sets logged in a run, in step order."""
        rows = await self._session.scalars(
            select(SetLog).where(SetLog.run_id == run_id).order_by(SetLog.step_index)
        )
        return rows.all()

    async def done_levels(self, person_id: int) -> list[tuple[str, datetime, int]]:
        """Return (exercise id, logged at, version level) of every set done, oldest first."""
        rows = await self._session.execute(
            select(SetLog.exercise_id, SetLog.logged_at, SetLog.level)
            .where(SetLog.person_id == person_id, SetLog.status == SetStatus.DONE)
            .order_by(SetLog.logged_at)
        )
        return [(exercise_id, at, level) for exercise_id, at, level in rows.all()]

    async def done_counts(self, person_id: int) -> list[tuple[str, int | None]]:
        """Return (exercise id, count) of every set done."""
        rows = await self._session.execute(
            select(SetLog.exercise_id, SetLog.reps).where(
                SetLog.person_id == person_id, SetLog.status == SetStatus.DONE
            )
        )
        return [(exercise_id, reps) for exercise_id, reps in rows.all()]

    async def done_history(
        self, person_id: int, exercise_ids: Sequence[str], runs: int
    ) -> list[tuple[int, date, str, str | None, int, int]]:
        """Return the sets done of these exercises in the person's latest ended runs.

        Rows (run id, run's local day, exercise id, side, level, count), oldest set first,
        from at most `runs` runs per call (newest first): what the coaching rules read.
        """
        latest = (
            select(Run.id)
            .where(
                Run.person_id == person_id,
                Run.status.in_([RunStatus.FINISHED, RunStatus.STOPPED]),
                Run.local_date.is_not(None),
            )
            .order_by(Run.id.desc())
            .limit(runs)
            .scalar_subquery()
        )
        rows = await self._session.execute(
            select(
                SetLog.run_id,
                Run.local_date,
                SetLog.exercise_id,
                SetLog.side,
                SetLog.level,
                SetLog.reps,
            )
            .join(Run, Run.id == SetLog.run_id)
            .where(
                SetLog.person_id == person_id,
                SetLog.status == SetStatus.DONE,
                SetLog.exercise_id.in_(list(exercise_ids)),
                SetLog.run_id.in_(latest),
            )
            .order_by(SetLog.run_id, SetLog.step_index)
        )
        return [
            (run_id, day, exercise_id, side, level, reps or 0)
            for run_id, day, exercise_id, side, level, reps in rows.all()
            if day is not None
        ]
