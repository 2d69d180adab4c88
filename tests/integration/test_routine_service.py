"""The routine service on a real database (SQLite and PostgreSQL): rows, once each."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import ExerciseLevel, Milestone, Pause, Person, Run, SetLog
from bot.db.unit_of_work import units
from bot.domain.run import Action, Notice, RunStatus
from bot.domain.screening import Screening
from bot.services.coach import CoachService
from bot.services.people import PeopleService, PersonRef
from bot.services.routines import RoutineService, RunView, Verdict
from content import Library
from tests.conftest import FakeClock
from tests.rows import finished_run

ADA = PersonRef(telegram_id=1001, chat_id=1001, first_name="Ada")
BOB = PersonRef(telegram_id=2002, chat_id=2002, first_name="Bob")


def service(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> RoutineService:
    return RoutineService(
        units(sessions), lib, PeopleService(units(sessions), clock, "Europe/Berlin"), clock
    )


async def start(routines: RoutineService, ref: PersonRef, routine_id: str) -> tuple[RunView, bool]:
    """Start a routine; the first time, answer the one-time hip question with No first."""
    result = await routines.start(ref, routine_id)
    if result.needs_screening:
        people, clock = routines._people, routines._clock
        coach = CoachService(routines._units, routines._library, people, routines, clock)
        await coach.screen(ref, Screening.CLEAR)
        result = await routines.start(ref, routine_id)
    assert result.view is not None
    return result.view, result.is_new


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[SetLog]:
    async with sessions() as session:
        return list((await session.scalars(select(SetLog).order_by(SetLog.id))).all())


async def test_done_logs_one_row_with_level_and_timestamps(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, is_new = await start(routines, ADA, "desk")
    assert is_new and view.state.index == 0
    clock.advance(seconds=40)
    result = await routines.press(ADA, view.run_id, 0, Action.DONE)
    assert result.verdict is Verdict.APPLIED and result.notice is Notice.LOGGED
    [log] = await rows(sessions)
    first = lib.routine("desk").exercises[0]
    assert (log.exercise_id, log.side, log.status, log.level) == (first, "left", "done", 0)
    assert log.reps == lib.exercise(first).dose.max
    assert (log.logged_at - log.started_at).total_seconds() == 40
    async with sessions() as session:
        person = await session.scalar(select(Run.timezone))
    assert person == "Europe/Berlin"


async def test_outdated_press_changes_nothing(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    await routines.press(ADA, view.run_id, 0, Action.DONE)
    again = await routines.press(ADA, view.run_id, 0, Action.DONE)
    assert again.verdict is Verdict.OUTDATED
    assert again.view is not None and again.view.state.index == 1
    assert len(await rows(sessions)) == 1


async def test_concurrent_double_press_logs_once(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    results = await asyncio.gather(
        *(routines.press(ADA, view.run_id, 0, Action.DONE) for _ in range(5))
    )
    verdicts = sorted(r.verdict for r in results)
    assert verdicts.count(Verdict.APPLIED) == 1
    assert set(verdicts) == {Verdict.APPLIED, Verdict.OUTDATED}
    assert len(await rows(sessions)) == 1


async def test_foreign_and_missing_runs_are_refused(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    assert (await routines.press(BOB, view.run_id, 0, Action.DONE)).verdict is Verdict.FOREIGN
    assert (await routines.press(ADA, 99999, 0, Action.DONE)).verdict is Verdict.MISSING
    assert await rows(sessions) == []


async def test_levels_are_remembered_for_the_next_run(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    first = lib.routine("desk").exercises[0]
    result = await routines.press(ADA, view.run_id, 0, Action.EASIER)
    assert result.verdict is Verdict.APPLIED and result.view is not None
    assert result.view.state.level_of(first) == -1
    await routines.press(ADA, view.run_id, 1, Action.STOP)
    clock.advance(minutes=5)
    again, _ = await start(routines, ADA, "full")
    assert again.state.level_of(first) == -1
    assert again.state.level_of(lib.routine("full").exercises[1]) == 0
    async with sessions() as session:
        levels = (
            await session.execute(select(ExerciseLevel.exercise_id, ExerciseLevel.level))
        ).all()
    assert [tuple(row) for row in levels] == [(first, -1)]


async def test_a_new_service_carries_on_where_the_run_stood(sessions, lib, clock) -> None:
    view, _ = await start(service(sessions, lib, clock), ADA, "desk")
    await service(sessions, lib, clock).press(ADA, view.run_id, 0, Action.DONE)
    restarted = service(sessions, lib, clock)  # as after a process restart
    active = await restarted.active(ADA)
    assert active is not None and active.run_id == view.run_id and active.state.index == 1
    result = await restarted.press(ADA, view.run_id, 1, Action.SKIP)
    assert result.verdict is Verdict.APPLIED
    assert [(r.step_index, r.status) for r in await rows(sessions)] == [(0, "done"), (1, "skipped")]


async def test_repeated_start_reuses_the_untouched_run(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    first, new = await start(routines, ADA, "desk")
    second, again_new = await start(routines, ADA, "desk")
    assert new and not again_new and second.run_id == first.run_id
    clock.advance(minutes=5)
    third, third_new = await start(routines, ADA, "desk")
    assert third_new and third.run_id != first.run_id
    async with sessions() as session:
        statuses = (await session.execute(select(Run.id, Run.status).order_by(Run.id))).all()
    assert [s for _, s in statuses] == [RunStatus.STOPPED, RunStatus.ACTIVE]


async def test_a_full_run_finishes_with_one_row_per_step(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "full")
    version = 0
    while True:
        result = await routines.press(ADA, view.run_id, version, Action.DONE)
        assert result.view is not None
        version = result.view.state.version
        if result.notice is Notice.FINISHED:
            break
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(SetLog))
        run = await session.get(Run, view.run_id)
    assert count == len(view.state.steps)
    assert run is not None and run.status == "finished" and run.finished_at is not None
    late = await routines.press(ADA, view.run_id, version, Action.DONE)
    assert late.verdict is Verdict.OVER


async def test_a_hip_answer_given_with_a_repeated_start_is_kept(sessions, lib, clock) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    people, clock_ = routines._people, routines._clock
    coach = CoachService(routines._units, routines._library, people, routines, clock_)
    await coach.screen(ADA, Screening.NOT_NOW)  # changed in /settings, the run untouched
    again = await routines.start(ADA, "desk", screening=Screening.GENTLE)
    assert again.view is not None and again.view.run_id == view.run_id and not again.is_new
    async with sessions() as session:
        stored = await session.scalar(select(Person.screening).where(Person.telegram_id == 1001))
    assert stored == Screening.GENTLE, "the answer given with the start is stored"


async def test_streak_facts_are_the_counted_days_pauses_and_milestones(
    sessions, lib, clock
) -> None:
    """The finish's one read of the streak: what counts, each pause and milestone, no one else's."""
    routines = service(sessions, lib, clock)
    await start(routines, ADA, "desk")
    await start(routines, BOB, "desk")
    async with sessions() as session:
        ada = await session.scalar(select(Person.id).where(Person.telegram_id == ADA.telegram_id))
        bob = await session.scalar(select(Person.id).where(Person.telegram_id == BOB.telegram_id))
        assert ada is not None and bob is not None
        counted = [date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 4)]
        for day in counted:
            await session.execute(insert(Run).values(finished_run(ada, day)))
        # Neither counts: a run with no set done, a stopped one; nor does Bob's finished run.
        await session.execute(insert(Run).values(finished_run(ada, date(2026, 3, 5), sets=0)))
        stopped = {**finished_run(ada, date(2026, 3, 6)), "status": RunStatus.STOPPED}
        await session.execute(insert(Run).values(stopped))
        await session.execute(insert(Run).values(finished_run(bob, date(2026, 3, 7))))
        session.add_all(
            [
                Pause(person_id=ada, first_day=date(2026, 4, 10), last_day=date(2026, 4, 12)),
                Pause(person_id=ada, first_day=date(2026, 4, 1), last_day=date(2026, 4, 3)),
                Pause(person_id=bob, first_day=date(2026, 4, 5), last_day=date(2026, 4, 6)),
                Milestone(person_id=ada, days=3, celebrated_at=clock()),
                Milestone(person_id=ada, days=7, celebrated_at=clock()),
                Milestone(person_id=bob, days=30, celebrated_at=clock()),
            ]
        )
        await session.commit()
    async with units(sessions)() as uow:
        facts = await uow.runs.streak_facts(ada)
    assert sorted(facts.done_days) == counted
    assert facts.pauses == [
        (date(2026, 4, 1), date(2026, 4, 3)),
        (date(2026, 4, 10), date(2026, 4, 12)),
    ]
    assert facts.celebrated == {3, 7}


async def test_a_start_that_stops_a_run_names_it_as_the_latest_session(
    sessions, lib, clock
) -> None:
    """The run in progress and the history marks come in one read; the run stopped counts."""
    routines = service(sessions, lib, clock)
    first, _ = await start(routines, ADA, "desk")
    assert first.coaching.first_run and first.coaching.latest == 0
    await routines.press(ADA, first.run_id, 0, Action.DONE)
    clock.advance(seconds=60)
    second, is_new = await start(routines, ADA, "desk")
    assert is_new and not second.coaching.first_run
    assert second.coaching.latest == first.run_id
    async with sessions() as session:
        statuses = (await session.scalars(select(Run.status).order_by(Run.id))).all()
    assert statuses == [RunStatus.STOPPED, RunStatus.ACTIVE]
