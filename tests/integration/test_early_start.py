"""Early start on a real database: a crowded minute's reminders start early, within the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Delivery, Person, Run
from bot.db.unit_of_work import units
from bot.domain.schedule import EVERY_DAY, days_to_mask
from bot.services.people import PeopleService, PersonRef
from bot.services.reminders import ReminderService
from bot.services.scheduling import reschedule
from tests.conftest import FakeClock
from tests.rows import finished_run

DUE = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
MIDNIGHT_DUE = datetime(2026, 3, 2, 23, 1, tzinfo=UTC)  # 00:01 on Tuesday in Berlin


async def crowd(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, n: int, at: time, first: int
) -> None:
    """Register n people in Berlin whose reminder is at `at` every day."""
    people = PeopleService(units(sessions), clock, "Europe/Berlin")
    async with units(sessions)() as uow:
        for i in range(n):
            ref = PersonRef(first + i, first + i, f"P{i}")
            person = await people.join_in(uow, ref, reminders_on=True)
            person.remind_at = at
            person.remind_days = days_to_mask(EVERY_DAY)
            reschedule(person, clock())
        await uow.commit()


def sweeper(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, rate: float, cap_s: int
) -> ReminderService:
    return ReminderService(
        units(sessions), clock, rate=rate, max_early=timedelta(seconds=cap_s), worker="w"
    )


async def test_a_crowd_starts_early_by_half_its_sending_time(sessions) -> None:
    clock = FakeClock(DUE - timedelta(hours=1))
    await crowd(sessions, clock, 300, time(8, 0), 30_000)
    service = sweeper(sessions, clock, rate=10, cap_s=180)  # 300 at 10/s: 30 s, so 15 s early
    clock.now = DUE - timedelta(seconds=16)
    assert await service.claim_due(50) == []
    clock.now = DUE - timedelta(seconds=14)
    claims = await service.claim_due(50)
    assert len(claims) == 50 and {c.local_date for c in claims} == {date(2026, 3, 2)}
    async with sessions() as session:
        rows = (await session.scalars(select(Delivery))).all()
    assert {(r.due_at, r.status) for r in rows} == {(DUE, "claimed")}, "due at the chosen minute"


async def test_a_measured_rate_below_the_setting_starts_the_crowd_earlier(sessions) -> None:
    clock = FakeClock(DUE - timedelta(hours=1))
    await crowd(sessions, clock, 300, time(8, 0), 35_000)
    # Configured for 30/s (300 in 10 s: 5 s early), but the senders reached 10/s last time:
    # 300 take 30 s, so they start 15 s early, and no more than a measurement above the
    # setting allows.
    service = sweeper(sessions, clock, rate=30, cap_s=180)
    clock.now = DUE - timedelta(seconds=14)
    assert await service.claim_due(50, rate=60) == [], "never faster than the setting"
    assert await service.claim_due(50) == []
    clock.now = DUE - timedelta(seconds=16)
    assert await service.claim_due(50, rate=10) == []
    clock.now = DUE - timedelta(seconds=14)
    assert len(await service.claim_due(50, rate=10)) == 50


async def test_a_crowd_started_on_too_slow_an_estimate_is_held_until_centred(sessions) -> None:
    """The rate measured during the backlog re-plans the rest of the crowd.

    Started 15 s early for 10 a second, a crowd of 300 that really goes at 30 a second would
    be over 5 s before its minute. Once 60 are out, the other 240 wait until they are centred
    (240 at 30/s: 4 s early), then go.
    """
    clock = FakeClock(DUE - timedelta(hours=1))
    await crowd(sessions, clock, 300, time(8, 0), 36_000)
    service = sweeper(sessions, clock, rate=30, cap_s=180)
    clock.now = DUE - timedelta(seconds=15)
    assert len(await service.claim_due(60, rate=10)) == 60
    clock.now = DUE - timedelta(seconds=13)
    assert await service.claim_due(60, rate=30) == [], "running ahead of the centred schedule"
    clock.now = DUE - timedelta(seconds=5)
    assert await service.claim_due(60, rate=30) == []
    clock.now = DUE - timedelta(seconds=4)
    assert len(await service.claim_due(300, rate=30)) == 240, "the rest, centred on the minute"


async def test_never_earlier_than_the_limit(sessions) -> None:
    clock = FakeClock(DUE - timedelta(hours=1))
    await crowd(sessions, clock, 400, time(8, 0), 31_000)
    service = sweeper(sessions, clock, rate=1, cap_s=60)  # 400 s of sending, capped at 60 s
    clock.now = DUE - timedelta(seconds=61)
    assert await service.claim_due(500) == []
    clock.now = DUE - timedelta(seconds=59)
    assert len(await service.claim_due(500)) == 400


async def test_a_limit_of_0_turns_it_off(sessions) -> None:
    clock = FakeClock(DUE - timedelta(hours=1))
    await crowd(sessions, clock, 100, time(8, 0), 34_000)
    off = sweeper(sessions, clock, rate=1, cap_s=0)
    clock.now = DUE - timedelta(seconds=1)
    assert await off.claim_due(500) == []
    clock.now = DUE
    assert len(await off.claim_due(500)) == 100


async def test_never_on_another_local_day_and_never_after_training(sessions) -> None:
    clock = FakeClock(MIDNIGHT_DUE - timedelta(hours=2))
    await crowd(sessions, clock, 200, time(0, 1), 32_000)
    service = sweeper(sessions, clock, rate=1, cap_s=180)
    clock.now = MIDNIGHT_DUE - timedelta(seconds=90)  # 23:59:30 on Monday in Berlin
    assert await service.claim_due(500) == [], "Tuesday's reminder is not sent on Monday"
    async with sessions() as session:
        assert (await session.scalars(select(Delivery))).all() == []
        trained = await session.scalar(select(Person.id).where(Person.telegram_id == 32_000))
        assert trained is not None
        # One of them finishes a routine just after midnight, before the early send.
        await session.execute(insert(Run).values(finished_run(trained, date(2026, 3, 3))))
        await session.commit()
    clock.now = MIDNIGHT_DUE - timedelta(seconds=30)  # 00:00:30 on Tuesday
    claims = await service.claim_due(500)
    assert len(claims) == 199 and trained not in {c.person_id for c in claims}
    async with sessions() as session:
        statuses = sorted(r.status for r in (await session.scalars(select(Delivery))).all())
    assert statuses.count("done") == 1 and statuses.count("claimed") == 199


async def test_a_snooze_is_never_early(sessions) -> None:
    clock = FakeClock(DUE - timedelta(hours=1))
    await crowd(sessions, clock, 100, time(8, 0), 33_000)
    service = sweeper(sessions, clock, rate=1, cap_s=180)
    async with sessions.begin() as session:
        # Everyone snoozed an earlier reminder until 08:00.
        for person in (await session.scalars(select(Person))).all():
            person.next_reminder_seq = 1
    clock.now = DUE - timedelta(seconds=30)
    assert await service.claim_due(500) == []
    clock.now = DUE + timedelta(seconds=1)
    assert len(await service.claim_due(500)) == 100
