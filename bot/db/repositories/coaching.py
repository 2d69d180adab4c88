"""What the coach keeps beyond the sets: check-ins, the next-day hip answers and check-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckIn, Checkup, HipDay, Person
from bot.db.repositories.dialect import insert_for
from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday


class CheckInRepository:
    """Rows of the check_ins table: one "Any pain?" answer per run."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_run(self, run_id: int) -> CheckIn | None:
        """Return the check-in of a run, if the person answered."""
        return await self._session.scalar(select(CheckIn).where(CheckIn.run_id == run_id))

    async def of_runs(self, run_ids: Sequence[int]) -> dict[int, CheckIn]:
        """Return the check-ins of several runs, by run id."""
        if not run_ids:
            return {}
        rows = await self._session.scalars(select(CheckIn).where(CheckIn.run_id.in_(run_ids)))
        return {row.run_id: row for row in rows.all()}

    async def latest(self, person_id: int) -> CheckIn | None:
        """Return the person's most recent check-in."""
        return await self._session.scalar(
            select(CheckIn)
            .where(CheckIn.person_id == person_id)
            .order_by(CheckIn.answered_at.desc(), CheckIn.id.desc())
            .limit(1)
        )

    async def answer(
        self,
        *,
        person_id: int,
        run_id: int,
        answer: PainAnswer,
        exercise_id: str | None,
        day: date,
        now: datetime,
    ) -> None:
        """Record (or change) the answer of a run's check-in."""
        insert = insert_for(self._session)
        values = {"answer": answer, "exercise_id": exercise_id, "answered_at": now}
        await self._session.execute(
            insert(CheckIn)
            .values(person_id=person_id, run_id=run_id, local_date=day, **values)
            .on_conflict_do_update(index_elements=["run_id"], set_=values)
        )


class LatestReports(NamedTuple):
    """A person's latest check-in and latest "How's the hip today?" answer (None: none yet)."""

    check_in: PainAnswer
    check_in_at: datetime
    hip_day: date | None
    hip: HipToday | None
    hip_at: datetime | None


class HipDayRepository:
    """Rows of the hip_days table: "How's the hip today?" answers."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def on(self, person_id: int, day: date) -> HipDay | None:
        """Return the answer given on a local day, if any."""
        return await self._session.get(HipDay, (person_id, day))

    async def since(self, person_id: int, day: date) -> Sequence[HipDay]:
        """Return the answers from a local day on, oldest first."""
        rows = await self._session.scalars(
            select(HipDay)
            .where(HipDay.person_id == person_id, HipDay.local_date >= day)
            .order_by(HipDay.local_date)
        )
        return rows.all()

    async def answer(
        self, person_id: int, day: date, answer: HipToday, now: datetime, *, rest_day: bool
    ) -> None:
        """Record (or change) the day's answer."""
        insert = insert_for(self._session)
        values = {"answer": answer, "rest_day": rest_day, "answered_at": now}
        await self._session.execute(
            insert(HipDay)
            .values(person_id=person_id, local_date=day, **values)
            .on_conflict_do_update(index_elements=["person_id", "local_date"], set_=values)
        )

    async def latest_with_check_ins(self, person_ids: Sequence[int]) -> dict[int, LatestReports]:
        """Return, per person with a check-in, their latest check-in and latest hip answer.

        One statement for any number of people: the reminder claim reads it for a whole batch.
        Latest is by answered_at (then id, then day), as CheckInRepository.latest orders.
        """
        if not person_ids:
            return {}
        ids = list(person_ids)
        check_ins = (
            select(
                CheckIn.person_id,
                CheckIn.answer,
                CheckIn.answered_at,
                func.row_number()
                .over(
                    partition_by=CheckIn.person_id,
                    order_by=(CheckIn.answered_at.desc(), CheckIn.id.desc()),
                )
                .label("rank"),
            )
            .where(CheckIn.person_id.in_(ids))
            .subquery()
        )
        hip_days = (
            select(
                HipDay.person_id,
                HipDay.local_date,
                HipDay.answer,
                HipDay.answered_at,
                func.row_number()
                .over(
                    partition_by=HipDay.person_id,
                    order_by=(HipDay.answered_at.desc(), HipDay.local_date.desc()),
                )
                .label("rank"),
            )
            .where(HipDay.person_id.in_(ids))
            .subquery()
        )
        rows = await self._session.execute(
            select(
                check_ins.c.person_id,
                check_ins.c.answer,
                check_ins.c.answered_at,
                hip_days.c.local_date,
                hip_days.c.answer,
                hip_days.c.answered_at,
            )
            .select_from(
                check_ins.outerjoin(
                    hip_days,
                    and_(hip_days.c.person_id == check_ins.c.person_id, hip_days.c.rank == 1),
                )
            )
            .where(check_ins.c.rank == 1)
        )
        return {
            person_id: LatestReports(
                PainAnswer(pain), pain_at, hip_day, None if hip is None else HipToday(hip), hip_at
            )
            for person_id, pain, pain_at, hip_day, hip, hip_at in rows.all()
        }


class CheckupRepository:
    """Rows of the checkups table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, checkup: Checkup) -> None:
        """Stage a new check-up."""
        self._session.add(checkup)

    async def get(self, checkup_id: int) -> Checkup | None:
        """Return a check-up by id."""
        return await self._session.get(Checkup, checkup_id)

    async def latest(self, person_id: int, limit: int = 2) -> Sequence[Checkup]:
        """Return the person's most recent finished check-ups, newest first."""
        rows = await self._session.scalars(
            select(Checkup)
            .where(Checkup.person_id == person_id, Checkup.band.is_not(None))
            .order_by(Checkup.taken_at.desc(), Checkup.id.desc())
            .limit(limit)
        )
        return rows.all()

    async def lock(self, checkup_id: int) -> tuple[Checkup, Person] | None:
        """Load a check-up and its person, locking the check-up's row until commit."""
        row = (
            await self._session.execute(
                select(Checkup, Person)
                .join(Person, Person.id == Checkup.person_id)
                .where(Checkup.id == checkup_id)
                .with_for_update(of=Checkup)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def newest_id(self, person_id: int) -> int | None:
        """Return the id of the person's newest check-up, finished or not."""
        return await self._session.scalar(
            select(Checkup.id)
            .where(Checkup.person_id == person_id)
            .order_by(Checkup.id.desc())
            .limit(1)
        )
