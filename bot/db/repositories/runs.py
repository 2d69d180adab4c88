"""Runs of routines, and the one rule of which runs count for a day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.models import ExerciseLevel, Milestone, Pause, Person, Run, SetLog
from bot.db.repositories.dialect import is_postgresql
from bot.db.repositories.levels import LevelTally
from bot.db.repositories.sets import LOG_IN_WITH, SET_COLUMNS, SetRepository
from bot.domain.run import RunStatus


def counts_for_its_day() -> ColumnElement[bool]:
    """Return the clause of a run that counts for its local day.

    The rule, written once: a finished run with at least one set done counts for the local
    day it finished on (streaks, "already trained today", the weekly summary, reminders).
    """
    return and_(
        Run.status == RunStatus.FINISHED,
        Run.sets_done > 0,
        Run.local_date.is_not(None),
    )


# The statements of every press, built once with their parameters named: each press then
# skips building the statement and its cache key (the profile's largest share of a press).
_LOCK = (
    select(Run, Person, ExerciseLevel.exercise_id, ExerciseLevel.level, ExerciseLevel.updated_at)
    .join(Person, Person.id == Run.person_id)
    .outerjoin(ExerciseLevel, ExerciseLevel.person_id == Run.person_id)
    .where(Run.id == bindparam("lock_run_id"))
    .with_for_update(of=Run)
)
_ACTIVE = (
    select(Run)
    .where(Run.person_id == bindparam("person_id"), Run.status == RunStatus.ACTIVE)
    .order_by(Run.id.desc())
    .limit(1)
)
_MARKS = (
    select(
        func.max(case((Run.status.in_([RunStatus.FINISHED, RunStatus.STOPPED]), Run.id))).label(
            "ended"
        ),
        func.count(Run.id).label("runs"),
    )
    .where(Run.person_id == bindparam("person_id"))
    .subquery()
)
# A start's one read of the runs: the run in progress (if any) beside the history marks. The
# marks are a one-row aggregate, so the outer join always returns a row.
_ACTIVE_AND_MARKS = (
    select(Run, _MARKS.c.ended, _MARKS.c.runs)
    .select_from(_MARKS)
    .outerjoin(Run, and_(Run.person_id == bindparam("person_id"), Run.status == RunStatus.ACTIVE))
    .order_by(Run.id.desc())
    .limit(1)
)
_DONE_DAYS = select(Run.person_id, Run.local_date).where(
    Run.person_id.in_(bindparam("person_ids", expanding=True)), counts_for_its_day()
)
# What a streak reads of one person, in one statement: the day of each run that counts (kind
# 0), each pause (kind 1: first and last day) and each milestone celebrated (kind 2: its days).
_STREAK_FACTS: CompoundSelect[int, date | None, date | None, int | None] = union_all(
    select(
        literal(0).label("kind"),
        Run.local_date.label("first"),
        cast_(null(), Date).label("last"),
        cast_(null(), Integer).label("days"),
    ).where(Run.person_id == bindparam("person_id"), counts_for_its_day()),
    select(literal(1), Pause.first_day, Pause.last_day, cast_(null(), Integer)).where(
        Pause.person_id == bindparam("person_id")
    ),
    select(literal(2), cast_(null(), Date), cast_(null(), Date), Milestone.days).where(
        Milestone.person_id == bindparam("person_id")
    ),
)


@dataclass(frozen=True)
class Seen:
    """What a read of a run showed besides its version: a later write can check it.

    A press on a run this process has just read need not read it again: its write goes
    through only while the run's version (the caller's) and message, and everything its screen
    shows of the person (the data saver, the remembered versions), are still as seen, whichever
    process changed them.
    """

    message_id: int | None
    data_saver: bool
    levels: LevelTally


@dataclass(frozen=True)
class Locked:
    """A run read for a press with its person's remembered versions, and what was seen."""

    run: Run
    person: Person
    levels: dict[str, int]
    seen: Seen


@dataclass(frozen=True)
class StreakFacts:
    """What the streak rules read of a person, besides their training days of the week."""

    done_days: list[date]  # the local day of every run that counts, one per such run
    pauses: list[tuple[date, date]]  # first and last day of each pause, oldest first
    celebrated: set[int]  # the milestones (in days) celebrated already


# A Core UPDATE on the table: the columns it sets are the parameters given with it.
_RUNS = cast(Table, Run.__table__)
_SAVE = update(_RUNS).where(_RUNS.c.id == bindparam("save_run_id"))
# PostgreSQL runs an INSERT inside WITH (SQLite cannot): the set and the run in one statement.
_SAVE_WITH_SET = _SAVE.add_cte(LOG_IN_WITH)
_LEVELS = cast(Table, ExerciseLevel.__table__)
_SETS = cast(Table, SetLog.__table__)
_PEOPLE = cast(Table, Person.__table__)


def _of_runs_person(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """Return a scalar subquery of the run's person's remembered versions (in runs' WHERE)."""
    return select(column).where(_LEVELS.c.person_id == _RUNS.c.person_id).scalar_subquery()


# A press on a run as this process saw it (Seen): the UPDATE only where nothing it saw changed.
_ADVANCE = update(_RUNS).where(
    _RUNS.c.id == bindparam("save_run_id"),
    _RUNS.c.version == bindparam("seen_version"),
    _RUNS.c.status == RunStatus.ACTIVE,
    _RUNS.c.message_id.is_not_distinct_from(bindparam("seen_message_id")),
    select(_PEOPLE.c.data_saver).where(_PEOPLE.c.id == _RUNS.c.person_id).scalar_subquery()
    == bindparam("seen_data_saver"),
    _of_runs_person(func.count()) == bindparam("seen_level_rows"),
    _of_runs_person(func.coalesce(func.sum(_LEVELS.c.level), 0))
    == bindparam("seen_level_sum", type_=Integer()),
    _of_runs_person(func.max(_LEVELS.c.updated_at)).is_not_distinct_from(
        bindparam("seen_levels_changed", type_=_LEVELS.c.updated_at.type)
    ),
)
# PostgreSQL: the set is inserted only if the run moved, both in one statement.
# Inside WITH, the UPDATE names its values (they cannot come from the parameters' keys):
# those of a press that logs a set, which is the only one this statement writes.
_MOVED = (
    _ADVANCE.values(
        {
            name: bindparam(name, type_=_RUNS.c[name].type)
            for name in ("step_index", "version", "status", "step_started_at")
        }
    )
    .returning(_RUNS.c.id)
    .cte("moved_run")
)
_ADVANCE_WITH_SET = (
    insert(_SETS)
    .from_select(
        SET_COLUMNS,
        select(
            *(bindparam(f"logged_{name}", type_=_SETS.c[name].type) for name in SET_COLUMNS)
        ).select_from(_MOVED),
    )
    .add_cte(_MOVED)
)


class RunRepository:
    """Rows of the runs table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, run: Run) -> None:
        """Stage a new run (it gets its id at the next flush)."""
        self._session.add(run)

    async def active(self, person_id: int) -> Run | None:
        """Return the person's run in progress, if any."""
        return await self._session.scalar(_ACTIVE, {"person_id": person_id})

    async def lock(self, run_id: int) -> Locked | None:
        """Load a run, its person and the person's remembered versions, locking the run's row.

        PostgreSQL locks the run row (FOR UPDATE OF runs); SQLite holds the write lock. One
        statement for all three: every button press starts here, and the view of the run
        needs the versions (one row per remembered exercise; none means standard).
        """
        rows = (await self._session.execute(_LOCK, {"lock_run_id": run_id})).all()
        if not rows:
            return None
        run, person = rows[0][0], rows[0][1]
        kept = [row for row in rows if row[2] is not None]
        seen = Seen(run.message_id, person.data_saver, LevelTally.of((r[3], r[4]) for r in kept))
        return Locked(run, person, {row[2]: row[3] for row in kept}, seen)

    async def advance(
        self,
        run_id: int,
        version: int,
        seen: Seen,
        values: Mapping[str, object],
        logged: Mapping[str, object] | None = None,
    ) -> bool:
        """Write a press on a run without reading it: only if it is still at version, as seen.

        Returns False, having written nothing, when the run or what its screen shows of the
        person changed since (another press, process or setting): then read it and judge again.
        logged: the set the press logged, inserted only with the run's UPDATE; on PostgreSQL in
        the same statement, so there the whole press is one statement (it may run in an
        autocommit unit of work; on SQLite the unit's transaction keeps the two together).
        """
        params: dict[str, object] = {
            **values,
            "save_run_id": run_id,
            "seen_version": version,
            "seen_message_id": seen.message_id,
            "seen_data_saver": seen.data_saver,
            "seen_level_rows": seen.levels.rows,
            "seen_level_sum": seen.levels.total,
            "seen_levels_changed": seen.levels.changed,
        }
        if logged is not None and is_postgresql(self._session):
            named = {f"logged_{key}": value for key, value in logged.items()}
            result = await self._session.execute(_ADVANCE_WITH_SET, {**params, **named})
            return bool(result.rowcount)  # type: ignore[attr-defined]
        result = await self._session.execute(_ADVANCE, params)
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        if logged is not None:
            await SetRepository(self._session).log(logged)
        return True

    async def active_and_marks(self, person_id: int) -> tuple[Run | None, int | None, bool]:
        """Return the run in progress, the latest finished or stopped run's id, and whether any ran.

        One statement for all three: a routine's start asks them together.
        """
        row = (await self._session.execute(_ACTIVE_AND_MARKS, {"person_id": person_id})).one()
        return row[0], row[1], row[2] > 0

    async def save(
        self, run: Run, values: Mapping[str, object], logged: Mapping[str, object] | None = None
    ) -> None:
        """Write these columns of a loaded run with one plain UPDATE, and keep the row in step.

        logged: a set_logs row to insert with it (unique per run and step: a concurrent second
        press fails here). On PostgreSQL both go in one statement, on SQLite in two.
        No ORM flush: the loaded object takes the values as already saved (not dirty), so the
        commit writes nothing twice.
        """
        params = {**values, "save_run_id": run.id}
        if logged is None:
            await self._session.execute(_SAVE, params)
        elif is_postgresql(self._session):
            named = {f"logged_{key}": value for key, value in logged.items()}
            await self._session.execute(_SAVE_WITH_SET, {**params, **named})
        else:
            await SetRepository(self._session).log(logged)
            await self._session.execute(_SAVE, params)
        for key, value in values.items():
            set_committed_value(run, key, value)

    async def attach_message(self, run_id: int, message_id: int) -> None:
        """Remember which chat message shows the run."""
        await self._session.execute(
            update(Run).where(Run.id == run_id).values(message_id=message_id)
        )

    async def streak_facts(self, person_id: int) -> StreakFacts:
        """Return a person's counted days, pauses and celebrated milestones (one statement)."""
        rows = (await self._session.execute(_STREAK_FACTS, {"person_id": person_id})).all()
        days = [first for kind, first, _, _ in rows if kind == 0 and first is not None]
        pauses = sorted(
            (first, last)
            for kind, first, last, _ in rows
            if kind == 1 and first is not None and last is not None
        )
        celebrated = {count for kind, _, _, count in rows if kind == 2 and count is not None}
        return StreakFacts(days, pauses, celebrated)

    async def done_days(self, person_ids: Sequence[int]) -> dict[int, list[date]]:
        """Return, per person, the local day of every run that counts (one per such run)."""
        days: dict[int, list[date]] = {person_id: [] for person_id in person_ids}
        rows = await self._session.execute(_DONE_DAYS, {"person_ids": list(person_ids)})
        for person_id, day in rows.all():
            if day is not None:
                days[person_id].append(day)
        return days

    async def done_days_between(self, person_id: int, first: date, last: date) -> list[date]:
        """Return the local day of every run that counts between two days, inclusive."""
        rows = await self._session.scalars(
            select(Run.local_date).where(
                Run.person_id == person_id,
                counts_for_its_day(),
                Run.local_date >= first,
                Run.local_date <= last,
            )
        )
        return [day for day in rows.all() if day is not None]

    async def counted_on(self, person_id: int, day: date) -> bool:
        """Return whether the person has a run that counts for this local day."""
        return bool(
            await self._session.scalar(
                select(
                    exists().where(
                        Run.person_id == person_id, Run.local_date == day, counts_for_its_day()
                    )
                )
            )
        )

    async def ended(self, person_id: int, limit: int) -> Sequence[Run]:
        """Return the person's finished or stopped runs, newest first."""
        rows = await self._session.scalars(
            select(Run)
            .where(
                Run.person_id == person_id,
                Run.status.in_([RunStatus.FINISHED, RunStatus.STOPPED]),
                Run.local_date.is_not(None),
            )
            .order_by(Run.finished_at.desc())
            .limit(limit)
        )
        return rows.all()

    async def people_started_since(self, since: datetime) -> int:
        """Return how many different people started a run since an instant."""
        count = await self._session.scalar(
            select(func.count(func.distinct(Run.person_id))).where(Run.started_at >= since)
        )
        return int(count or 0)

    async def finished_since(self, since: datetime) -> int:
        """Return how many runs were finished since an instant."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(Run)
            .where(Run.status == RunStatus.FINISHED, Run.finished_at >= since)
        )
        return int(count or 0)

    async def latest_ended(self, person_id: int) -> int | None:
        """Return the id of the person's latest finished or stopped run, if any."""
        return await self._session.scalar(
            select(func.max(Run.id)).where(
                Run.person_id == person_id,
                Run.status.in_([RunStatus.FINISHED, RunStatus.STOPPED]),
            )
        )
