"""The claim's hip question: who is asked, in one read for the batch whatever its size."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import Run
from bot.db.unit_of_work import units
from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday
from bot.domain.run import RunStatus
from bot.domain.schedule import EVERY_DAY, days_to_mask
from bot.services.hip import HipPrompt, gentlest_today
from bot.services.people import PeopleService, PersonRef
from bot.services.reminders import Claim, ReminderService
from bot.services.scheduling import reschedule
from tests.conftest import FakeClock
from tests.sql import statements

START = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # Tuesday 07:00 in Berlin: no weekly summary
DUE = datetime(2026, 3, 3, 7, 0, 1, tzinfo=UTC)  # 08:00 in Berlin
SUNDAY, MONDAY, TUESDAY = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
SUNDAY_EVENING = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)

# What each person has told the coach, by their number modulo 7, and what the reminder says.
STORIES: list[tuple[str, HipPrompt]] = [
    ("some pain on Monday, not answered since", HipPrompt(ask=True)),
    ("sharp pain on Sunday, Better on Monday", HipPrompt()),
    ("no pain on Monday", HipPrompt()),
    ("never checked in", HipPrompt()),
    ("pain on Sunday, then no pain on Monday", HipPrompt()),
    ("Worse on Monday morning, some pain again on Monday evening", HipPrompt(ask=True)),
    ("sharp pain on Monday, Worse already this Tuesday morning", HipPrompt(today=HipToday.WORSE)),
]


async def add_people(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, n: int) -> None:
    """Register n people in Berlin with an 08:00 reminder every day, each with a story."""
    people = PeopleService(units(sessions), clock, "Europe/Berlin")
    async with units(sessions)() as uow:
        for i in range(n):
            person = await people.join_in(
                uow, PersonRef(20_000 + i, 20_000 + i, f"P{i}"), reminders_on=True
            )
            person.remind_at = time(8, 0)
            person.remind_days = days_to_mask(EVERY_DAY)
            reschedule(person, clock())
            await uow.flush()

            async def check_in(answer: PainAnswer, at: datetime, pid: int = person.id) -> None:
                day = at.date()
                run = Run(
                    person_id=pid,
                    routine_id="desk",
                    plan="",
                    status=RunStatus.FINISHED,
                    step_index=0,
                    version=0,
                    chat_id=1,
                    timezone="Europe/Berlin",
                    started_at=at,
                    step_started_at=at,
                    finished_at=at,
                    local_date=day,
                    sets_done=1,
                )
                uow.runs.add(run)
                await uow.flush()
                await uow.check_ins.answer(
                    person_id=pid, run_id=run.id, answer=answer, exercise_id=None, day=day, now=at
                )

            match i % len(STORIES):
                case 0:
                    await check_in(PainAnswer.SOME, MONDAY_EVENING)
                case 1:
                    await check_in(PainAnswer.SHARP, SUNDAY_EVENING)
                    await uow.hip_days.answer(
                        person.id, MONDAY, HipToday.BETTER, MONDAY_MORNING, rest_day=False
                    )
                case 2:
                    await check_in(PainAnswer.NO_PAIN, MONDAY_EVENING)
                case 4:
                    await check_in(PainAnswer.SOME, SUNDAY_EVENING)
                    await check_in(PainAnswer.NO_PAIN, MONDAY_EVENING)
                case 5:
                    await check_in(PainAnswer.SHARP, SUNDAY_EVENING)
                    await uow.hip_days.answer(
                        person.id, MONDAY, HipToday.WORSE, MONDAY_MORNING, rest_day=False
                    )
                    await check_in(PainAnswer.SOME, MONDAY_EVENING)
                case 6:
                    await check_in(PainAnswer.SHARP, MONDAY_EVENING)
                    # Answered on an earlier reminder today (the one claimed is its snooze).
                    await uow.hip_days.answer(
                        person.id, TUESDAY, HipToday.WORSE, START, rest_day=False
                    )
        await uow.commit()


async def test_the_claim_asks_after_an_unanswered_pain_report_in_one_read_per_batch(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 7 * 6)
    clock.now = DUE
    service = ReminderService(units(sessions), clock)

    with statements(engine) as small_batch:
        small = await service.claim_due(3)
    with statements(engine) as large_batch:
        large = await service.claim_due(30)
    rest = await service.claim_due(100)
    assert (len(small), len(large), len(rest)) == (3, 30, 9)

    def reads_of_check_ins(sent: list[str]) -> list[str]:
        return [sql for sql in sent if "check_ins" in sql]

    assert len(reads_of_check_ins(small_batch)) == 1
    assert len(reads_of_check_ins(large_batch)) == 1
    assert len(large_batch) == len(small_batch), "ten times the batch, the same statements"

    claims: list[Claim] = [*small, *large, *rest]
    by_number = {int(c.first_name.removeprefix("P")): c for c in claims}
    assert sorted(by_number) == list(range(42))
    for number, claim in by_number.items():
        story, expected = STORIES[number % len(STORIES)]
        assert claim.hip == expected, story


async def test_gentlest_today_is_a_worse_answer_on_that_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(START)
    await add_people(sessions, clock, 7)
    async with units(sessions)() as uow:
        worse = await uow.people.by_telegram_id(20_006)  # Worse this Tuesday
        better = await uow.people.by_telegram_id(20_001)  # Better on Monday
        assert worse is not None and better is not None
        assert await gentlest_today(uow, worse, TUESDAY)
        assert not await gentlest_today(uow, worse, TUESDAY + timedelta(days=1))
        assert not await gentlest_today(uow, better, MONDAY)
        await uow.hip_days.answer(better.id, TUESDAY, HipToday.WORSE, DUE, rest_day=True)
        assert await gentlest_today(uow, better, TUESDAY), "a rest day is a Worse day too"
