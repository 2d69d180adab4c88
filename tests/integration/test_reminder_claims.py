"""The sweep's claim on a real database: racing sweepers, and a process stopped mid-way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Delivery, Person
from bot.db.unit_of_work import units
from bot.domain.schedule import EVERY_DAY, days_to_mask
from bot.services.people import PeopleService, PersonRef
from bot.services.reminders import Claim, ReminderService, Status
from bot.services.scheduling import reschedule
from tests.conftest import FakeClock

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
DUE = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


async def add_people(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, n: int) -> None:
    """Register n people in Berlin with an 08:00 reminder every day."""
    people = PeopleService(units(sessions), clock, "Europe/Berlin")
    async with units(sessions)() as uow:
        for i in range(n):
            ref = PersonRef(10_000 + i, 10_000 + i, f"P{i}")
            person = await people.join_in(uow, ref, reminders_on=True)
            person.remind_at = time(8, 0)
            person.remind_days = days_to_mask(EVERY_DAY)
            reschedule(person, clock())
        await uow.commit()


async def test_two_sweepers_racing_send_each_reminder_exactly_once(database_url, sessions) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 300)
    clock.now = DUE + timedelta(seconds=1)
    # Two "processes": separate engines, so separate connections and real row locks.
    engines = [create_engine(database_url) for _ in range(2)]
    sweepers = [
        ReminderService(units(create_sessionmaker(engine)), clock, worker=f"w{i}")
        for i, engine in enumerate(engines)
    ]
    claimed: dict[str, list[Claim]] = {"w0": [], "w1": []}

    async def run(sweeper: ReminderService) -> None:
        while batch := await sweeper.claim_due(7):
            claimed[sweeper.worker].extend(batch)
            for claim in batch:
                await sweeper.mark_sent(claim.delivery_id, message_id=claim.person_id)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(run(s) for s in sweepers))
    finally:
        for engine in engines:
            await engine.dispose()

    everyone = claimed["w0"] + claimed["w1"]
    assert len(everyone) == 300
    assert len({c.person_id for c in everyone}) == 300, "nobody claimed twice"
    assert claimed["w0"] and claimed["w1"], "both sweepers took part"
    async with sessions() as session:
        rows = (await session.execute(select(Delivery.person_id, Delivery.status))).all()
        pending = await session.scalar(
            select(func.count()).select_from(Person).where(Person.next_reminder_at <= clock.now)
        )
    assert len(rows) == 300 and {status for _, status in rows} == {"sent"}
    assert pending == 0, "every schedule moved on to tomorrow"


async def test_claim_left_by_a_stopped_process_is_sent_once_after_the_lease(sessions) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 2)
    clock.now = DUE + timedelta(seconds=1)
    dead = ReminderService(units(sessions), clock, worker="dead")
    [first, second] = await dead.claim_due(10)
    await dead.mark_sending(second.delivery_id)  # this one was in Telegram's hands
    # ... and the process is killed here, before either send finished.

    alive = ReminderService(units(sessions), clock, worker="alive")
    assert await alive.claim_due(10) == [], "a live claim is not stolen"
    clock.advance(minutes=3)  # past the lease
    [recovered] = await alive.claim_due(10)
    assert recovered.delivery_id == first.delivery_id and recovered.recovered
    await alive.mark_sent(recovered.delivery_id, message_id=1)
    assert await alive.claim_due(10) == []

    async with sessions() as session:
        rows = {d.id: d for d in (await session.scalars(select(Delivery))).all()}
    assert rows[first.delivery_id].status == Status.SENT
    assert rows[first.delivery_id].detail == "recovered from a stopped process"
    assert rows[second.delivery_id].status == Status.UNKNOWN, "maybe sent: never sent twice"
    assert "stopped while sending" in (rows[second.delivery_id].detail or "")


async def test_a_claim_found_after_the_grace_is_recorded_not_sent(sessions) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 1)
    clock.now = DUE + timedelta(seconds=1)
    [claim] = await ReminderService(units(sessions), clock, worker="dead").claim_due(10)
    clock.advance(hours=3)
    assert await ReminderService(units(sessions), clock, worker="late").claim_due(10) == []
    async with sessions() as session:
        delivery = await session.get(Delivery, claim.delivery_id)
    assert delivery is not None and delivery.status == Status.EXPIRED


async def test_the_same_day_cannot_be_claimed_twice_even_if_the_schedule_is_rewound(
    sessions,
) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 1)
    clock.now = DUE + timedelta(seconds=1)
    service = ReminderService(units(sessions), clock)
    [claim] = await service.claim_due(10)
    await service.mark_sent(claim.delivery_id, 1)
    async with sessions.begin() as session:
        # As if a bug or a settings change put today's reminder back on the schedule.
        await session.execute(
            update(Person).values(next_reminder_at=DUE, next_reminder_day=claim.local_date)
        )
    assert await service.claim_due(10) == []
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Delivery))
    assert count == 1


async def test_a_clean_shutdown_hands_back_unsent_claims(sessions) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 3)
    clock.now = DUE + timedelta(seconds=1)
    leaving = ReminderService(units(sessions), clock, worker="leaving")
    [first, second, third] = await leaving.claim_due(10)
    await leaving.mark_sending(first.delivery_id)  # already in Telegram's hands: kept
    await leaving.mark_sent(second.delivery_id, 1)
    assert await leaving.release_mine() == 1
    # Another process sends the released one right away, not after the lease.
    [again] = await ReminderService(units(sessions), clock, worker="other").claim_due(10)
    assert again.person_id == third.person_id and not again.recovered
    async with sessions() as session:
        statuses = sorted((await session.scalars(select(Delivery.status))).all())
    assert statuses == ["claimed", "sending", "sent"]


async def test_concurrent_marks_are_committed_together_each_with_its_own_values(sessions) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 60)
    clock.now = DUE + timedelta(seconds=1)
    service = ReminderService(units(sessions), clock, worker="w")
    claims = await service.claim_due(100)
    assert len(claims) == 60
    await asyncio.gather(*(service.mark_sending(c.delivery_id) for c in claims))
    async with sessions() as session:
        statuses = (await session.scalars(select(Delivery.status))).all()
    assert set(statuses) == {Status.SENDING}, "every mark committed before its caller goes on"
    await asyncio.gather(
        *(service.mark_sent(c.delivery_id, message_id=1000 + c.person_id) for c in claims)
    )
    async with sessions() as session:
        rows = (await session.scalars(select(Delivery))).all()
    assert {(r.status, r.message_id - r.person_id, r.sent_at) for r in rows} == {
        (Status.SENT, 1000, clock.now)
    }
