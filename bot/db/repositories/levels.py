"""The version of each exercise a person last chose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ExerciseLevel
from bot.db.repositories.dialect import insert_for

_STANDINGS = select(ExerciseLevel).where(
    ExerciseLevel.person_id == bindparam("person_id"),
    ExerciseLevel.exercise_id.in_(bindparam("exercise_ids", expanding=True)),
)


class LevelTally(NamedTuple):
    """A person's remembered versions in brief: any change to them changes this.

    Every write sets the row's updated_at, so a changed or added row moves the count, the sum
    or the latest change; a press that saw a tally checks it before writing (RunRepository).
    """

    rows: int
    total: int
    changed: datetime | None

    @classmethod
    def of(cls, levels: Iterable[tuple[int, datetime]]) -> LevelTally:
        """Return the tally of (level, updated_at) pairs."""
        pairs = list(levels)
        return cls(
            len(pairs), sum(level for level, _ in pairs), max((at for _, at in pairs), default=None)
        )


_TALLY = select(
    func.count(),
    func.coalesce(func.sum(ExerciseLevel.level), 0),
    func.max(ExerciseLevel.updated_at),
).where(ExerciseLevel.person_id == bindparam("person_id"))


class LevelRepository:
    """Rows of the exercise_levels table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, person_id: int, exercise_ids: Iterable[str]) -> dict[str, int]:
        """Return the remembered variation level per exercise (missing means standard)."""
        rows = await self._session.execute(
            select(ExerciseLevel.exercise_id, ExerciseLevel.level).where(
                ExerciseLevel.person_id == person_id,
                ExerciseLevel.exercise_id.in_(list(exercise_ids)),
            )
        )
        return {exercise_id: level for exercise_id, level in rows.all()}

    async def tally(self, person_id: int) -> LevelTally:
        """Return the tally of all the person's remembered versions (one aggregate row)."""
        rows, total, changed = (await self._session.execute(_TALLY, {"person_id": person_id})).one()
        return LevelTally(rows, total, changed)

    async def remember(self, person_id: int, exercise_id: str, level: int, now: datetime) -> None:
        """Remember a person's variation for an exercise (insert or update)."""
        insert = insert_for(self._session)
        statement = insert(ExerciseLevel).values(
            person_id=person_id, exercise_id=exercise_id, level=level, updated_at=now
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["person_id", "exercise_id"],
                set_={"level": level, "updated_at": now},
            )
        )

    async def start_at(self, person_id: int, levels: Mapping[str, int], now: datetime) -> None:
        """Set each exercise's version in use and its starting version (a check-up's result)."""
        insert = insert_for(self._session)
        for exercise_id, level in levels.items():
            statement = insert(ExerciseLevel).values(
                person_id=person_id,
                exercise_id=exercise_id,
                level=level,
                start_level=level,
                updated_at=now,
            )
            await self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=["person_id", "exercise_id"],
                    set_={"level": level, "start_level": level, "updated_at": now},
                )
            )

    async def standings(
        self, person_id: int, exercise_ids: Iterable[str]
    ) -> dict[str, ExerciseLevel]:
        """Return the person's rows for these exercises (version and the coach's markers)."""
        rows = await self._session.scalars(
            _STANDINGS, {"person_id": person_id, "exercise_ids": list(exercise_ids)}
        )
        return {row.exercise_id: row for row in rows.all()}

    async def mark(
        self, person_id: int, exercise_id: str, now: datetime, **values: int | str | None
    ) -> None:
        """Set some of an exercise's columns (a marker, the extra set), inserting the row if new."""
        insert = insert_for(self._session)
        statement = insert(ExerciseLevel).values(
            person_id=person_id, exercise_id=exercise_id, level=0, updated_at=now, **values
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["person_id", "exercise_id"], set_={"updated_at": now, **values}
            )
        )
