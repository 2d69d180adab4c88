"""Logged sets: one row per step done or skipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckIn, Run, SetLog
from bot.domain.history import PainAnswer
from bot.domain.run import RunStatus, SetStatus


class HistoryRow(NamedTuple):
    """A set done in an ended run, with that run's day and end-of-run check-in (if any)."""

    run_id: int
    day: date
    exercise_id: str
    side: str | None
    level: int
    reps: int
    # The check-in's answer and the exercise the person picked as painful (None: no check-in).
    answer: PainAnswer | None
    picked: str | None


# Built once: a press inserts its set with this statement and the row's values as parameters
# (a Core INSERT on the table: no statement building, cache key or ORM bulk step per press).
_SETS = cast(Table, SetLog.__table__)
_LOG = insert(_SETS)
# The columns a logged set gives (the id is the database's).
SET_COLUMNS = tuple(column.name for column in _SETS.c if not column.primary_key)
# The same INSERT as a WITH clause, its values named logged_<column>: on PostgreSQL a press's
# set rides in the statement that saves its run (RunRepository.save), one round trip for both.
LOG_IN_WITH = (
    insert(_SETS)
    .values(
        {
            column.name: bindparam(f"logged_{column.name}", type_=column.type)
            for column in _SETS.c
            if not column.primary_key
        }
    )
    .cte("logged_set")
)


_LATEST_ENDED = (
    select(Run.id)
    .where(
        Run.person_id == bindparam("person_id"),
        Run.status.in_([RunStatus.FINISHED, RunStatus.STOPPED]),
        Run.local_date.is_not(None),
    )
    .order_by(Run.id.desc())
    .limit(bindparam("runs"))
    .scalar_subquery()
)
# Every start and finish reads the history: built once, its parameters named.
_HISTORY = (
    select(
        SetLog.run_id,
        Run.local_date,
        SetLog.exercise_id,
        SetLog.side,
        SetLog.level,
        SetLog.reps,
        CheckIn.answer,
        CheckIn.exercise_id,
    )
    .join(Run, Run.id == SetLog.run_id)
    .outerjoin(CheckIn, CheckIn.run_id == SetLog.run_id)
    .where(
        SetLog.person_id == bindparam("person_id"),
        SetLog.status == SetStatus.DONE,
        SetLog.exercise_id.in_(bindparam("exercise_ids", expanding=True)),
        SetLog.run_id.in_(_LATEST_ENDED),
    )
    .order_by(SetLog.run_id, SetLog.step_index)
)
_OF_RUN = select(SetLog).where(SetLog.run_id == bindparam("run_id")).order_by(SetLog.step_index)


class SetRepository:
    """Rows of the set_logs table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def log(self, values: Mapping[str, object]) -> None:
        """Insert a logged set at once, with one plain INSERT (unique per run and step)."""
        await self._session.execute(_LOG, dict(values))

    async def of_run(self, run_id: int) -> Sequence[SetLog]:
        """Return the sets logged in a run, in step order."""
        rows = await self._session.scalars(_OF_RUN, {"run_id": run_id})
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
    ) -> list[HistoryRow]:
        """Return the sets done of these exercises in the person's latest ended runs.

        Rows oldest set first, from at most `runs` runs per call (newest first), each with its
        run's check-in (one outer join: the coaching rules read both, in one statement).
        """
        rows = await self._session.execute(
            _HISTORY, {"person_id": person_id, "exercise_ids": list(exercise_ids), "runs": runs}
        )
        return [
            HistoryRow(run_id, day, exercise_id, side, level, reps or 0, answer, picked)
            for run_id, day, exercise_id, side, level, reps, answer, picked in rows.all()
            if day is not None
        ]
