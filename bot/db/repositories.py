"""Queries used by the services; they run inside the caller's transaction and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Delivery,
    ExerciseLevel,
    Milestone,
    Person,
    ProcessedUpdate,
    Run,
    SetLog,
    Worker,
)


def _insert_for(session: AsyncSession) -> type[postgresql.Insert] | type[sqlite.Insert]:
    dialect = session.get_bind().dialect.name
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


async def get_or_create_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    chat_id: int,
    first_name: str,
    timezone: str,
    now: datetime,
) -> tuple[Person, bool]:
    """Return the person for a Telegram user and whether the row is new.

    INSERT .. ON CONFLICT DO NOTHING keeps two concurrent first updates from failing.
    """
    person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    created = False
    if person is None:
        insert = _insert_for(session)
        result = await session.execute(
            insert(Person)
            .values(
                telegram_id=telegram_id,
                chat_id=chat_id,
                first_name=first_name,
                timezone=timezone,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["telegram_id"])
            .returning(Person.id)
        )
        created = result.scalar_one_or_none() is not None
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
    elif person.chat_id != chat_id or (first_name and person.first_name != first_name):
        person.chat_id = chat_id
        person.first_name = first_name or person.first_name
        person.updated_at = now
    return person, created


async def find_person(session: AsyncSession, telegram_id: int) -> Person | None:
    """Return the person for a Telegram user id, if they ever wrote to the coach."""
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def levels_for(
    session: AsyncSession, person_id: int, exercise_ids: Iterable[str]
) -> dict[str, int]:
    """Return the remembered variation level per exercise (missing means standard)."""
    rows = await session.execute(
        select(ExerciseLevel.exercise_id, ExerciseLevel.level).where(
            ExerciseLevel.person_id == person_id,
            ExerciseLevel.exercise_id.in_(list(exercise_ids)),
        )
    )
    return {exercise_id: level for exercise_id, level in rows.all()}


async def set_level(
    session: AsyncSession, person_id: int, exercise_id: str, level: int, now: datetime
) -> None:
    """Remember a person's variation for an exercise (insert or update)."""
    insert = _insert_for(session)
    statement = insert(ExerciseLevel).values(
        person_id=person_id, exercise_id=exercise_id, level=level, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["person_id", "exercise_id"],
            set_={"level": level, "updated_at": now},
        )
    )


async def active_run(session: AsyncSession, person_id: int) -> Run | None:
    """Return the person's run in progress, if any."""
    return await session.scalar(
        select(Run)
        .where(Run.person_id == person_id, Run.status == "active")
        .order_by(Run.id.desc())
        .limit(1)
    )


async def lock_run(session: AsyncSession, run_id: int) -> tuple[Run, Person] | None:
    """Load a run and its person, locking the run's row until commit.

    PostgreSQL locks the run row (FOR UPDATE OF runs); SQLite holds the write lock. One
    statement for both rows: every button press starts here.
    """
    row = (
        await session.execute(
            select(Run, Person)
            .join(Person, Person.id == Run.person_id)
            .where(Run.id == run_id)
            .with_for_update(of=Run)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def set_logs_for(session: AsyncSession, run_id: int) -> Sequence[SetLog]:
    """Return the sets logged in a run, in step order."""
    rows = await session.scalars(
        select(SetLog).where(SetLog.run_id == run_id).order_by(SetLog.step_index)
    )
    return rows.all()


async def insert_delivery_once(
    session: AsyncSession,
    *,
    person_id: int,
    kind: str,
    local_date: date,
    seq: int,
    status: str,
    due_at: datetime,
    claimed_at: datetime,
    claimed_by: str,
    detail: str | None,
) -> int | None:
    """Insert a delivery unless one exists for the same person, kind, day and seq.

    Returns the new id, or None when the row was already there: the unique key is what
    makes a second send for the same day impossible, whatever else goes wrong.
    """
    row: dict[str, object] = {
        "person_id": person_id,
        "kind": kind,
        "local_date": local_date,
        "seq": seq,
        "status": status,
        "due_at": due_at,
        "claimed_at": claimed_at,
        "claimed_by": claimed_by,
        "detail": detail,
    }
    inserted = await insert_deliveries_once(session, [row])
    return inserted.get((person_id, kind, local_date, seq))


DeliveryKey = tuple[int, str, date, int]


async def insert_deliveries_once(
    session: AsyncSession, rows: list[dict[str, object]]
) -> dict[DeliveryKey, int]:
    """Insert many deliveries in one statement, skipping any that already exist.

    Returns the new ids by (person_id, kind, local_date, seq); a key that is missing was
    already there (see insert_delivery_once).
    """
    if not rows:
        return {}
    insert = _insert_for(session)
    statement = (
        insert(Delivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["person_id", "kind", "local_date", "seq"])
        .returning(
            Delivery.id, Delivery.person_id, Delivery.kind, Delivery.local_date, Delivery.seq
        )
    )
    result = await session.execute(statement)
    return {(row[1], row[2], row[3], row[4]): row[0] for row in result.all()}


async def insert_milestone_once(
    session: AsyncSession, person_id: int, days: int, now: datetime
) -> bool:
    """Record a celebrated milestone; return False when it had been celebrated already."""
    insert = _insert_for(session)
    result = await session.execute(
        insert(Milestone)
        .values(person_id=person_id, days=days, celebrated_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "days"])
        .returning(Milestone.person_id)
    )
    return result.scalar_one_or_none() is not None


async def insert_processed_update(session: AsyncSession, update_id: int, now: datetime) -> None:
    """Record a handled webhook update (a second record of the same id is a no-op)."""
    insert = _insert_for(session)
    await session.execute(
        insert(ProcessedUpdate)
        .values(update_id=update_id, handled_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )


async def upsert_worker(session: AsyncSession, worker: str, role: str, now: datetime) -> None:
    """Insert or refresh a worker's heartbeat."""
    insert = _insert_for(session)
    await session.execute(
        insert(Worker)
        .values(id=worker, role=role, seen_at=now)
        .on_conflict_do_update(index_elements=["id"], set_={"seen_at": now, "role": role})
    )
