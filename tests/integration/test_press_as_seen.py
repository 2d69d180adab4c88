"""A press on a run this process has just seen writes without reading it, and never stale.

Two services on one database stand for two processes (or a process and its restart): what one
changes, the other's next press must take into account, whichever it is.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import ExerciseLevel, Person, Run, SetLog
from bot.db.unit_of_work import units
from bot.domain.run import Action, Notice
from bot.services.people import PeopleService
from bot.services.routines import Verdict
from bot.services.settings import SettingsService
from content import Library
from tests.conftest import FakeClock
from tests.integration.test_routine_service import ADA, rows, service, start
from tests.sql import reads, statements, transaction_control


async def test_the_next_press_on_a_run_seen_writes_without_reading(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    clock.advance(seconds=30)
    first = await routines.press(ADA, view.run_id, 0, Action.DONE)
    assert first.verdict is Verdict.APPLIED
    clock.advance(seconds=45)
    with statements(engine) as sent:
        second = await routines.press(ADA, view.run_id, 1, Action.DONE)
    assert second.verdict is Verdict.APPLIED and second.notice is Notice.LOGGED
    assert reads(sent) == [], sent
    assert second.view is not None and second.view.state.index == 2
    assert second.record is not None and second.record.step_index == 1
    # The rows are those the full path writes: the second set started when the first was logged.
    logs = await rows(sessions)
    assert [(log.step_index, log.side, log.status) for log in logs] == [
        (0, "left", "done"),
        (1, "right", "done"),
    ]
    assert logs[1].started_at == logs[0].logged_at
    assert (logs[1].logged_at - logs[1].started_at).total_seconds() == 45
    async with sessions() as session:
        run = await session.get(Run, view.run_id)
    assert run is not None and (run.step_index, run.version) == (2, 2)
    assert run.step_started_at == logs[1].logged_at


async def test_the_first_press_after_a_start_writes_without_reading(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    clock.advance(seconds=20)
    with statements(engine) as sent:
        first = await routines.press(ADA, view.run_id, 0, Action.DONE)
    assert first.verdict is Verdict.APPLIED
    assert reads(sent) == [], sent
    [log] = await rows(sessions)
    assert (log.step_index, log.level) == (0, 0)
    assert (log.logged_at - log.started_at).total_seconds() == 20


async def test_on_postgresql_a_press_is_one_statement_without_begin_or_commit(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    lib: Library,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run's UPDATE and the set's INSERT go in one statement, its own transaction."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite: its press is two statements, kept in one transaction")
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    clock.advance(seconds=20)
    with statements(engine) as sent, transaction_control(monkeypatch) as control:
        first = await routines.press(ADA, view.run_id, 0, Action.DONE)
    assert first.verdict is Verdict.APPLIED
    assert len(sent) == 1 and control == [], (sent, control)
    [log] = await rows(sessions)
    assert (log.step_index, log.status) == (0, "done"), "committed: another session reads it"
    # A press the kept run cannot take (a restart forgot it) reads in a transaction, as before.
    again = service(sessions, lib, clock)
    with transaction_control(monkeypatch) as control:
        second = await again.press(ADA, view.run_id, 1, Action.DONE)
    assert second.verdict is Verdict.APPLIED
    assert [query.split()[0].upper().rstrip(";") for query in control] == ["BEGIN", "COMMIT"]


async def test_a_press_made_elsewhere_outdates_the_button_here(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    here, elsewhere = service(sessions, lib, clock), service(sessions, lib, clock)
    view, _ = await start(here, ADA, "desk")
    await here.press(ADA, view.run_id, 0, Action.DONE)  # here has now seen version 1
    moved = await elsewhere.press(ADA, view.run_id, 1, Action.DONE)
    assert moved.verdict is Verdict.APPLIED
    late = await here.press(ADA, view.run_id, 1, Action.DONE)
    assert late.verdict is Verdict.OUTDATED
    assert late.view is not None and late.view.state.index == 2
    assert [log.step_index for log in await rows(sessions)] == [0, 1]
    on_time = await here.press(ADA, view.run_id, 2, Action.DONE)
    assert on_time.verdict is Verdict.APPLIED
    assert [log.step_index for log in await rows(sessions)] == [0, 1, 2]


async def test_a_data_saver_switched_elsewhere_shows_at_the_next_press(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    here = service(sessions, lib, clock)
    view, _ = await start(here, ADA, "desk")
    first = await here.press(ADA, view.run_id, 0, Action.DONE)
    assert first.view is not None and not first.view.data_saver
    people = PeopleService(units(sessions), clock, "Europe/Berlin")
    await SettingsService(units(sessions), people, lib, clock).set_data_saver(ADA, True)
    second = await here.press(ADA, view.run_id, 1, Action.DONE)
    assert second.verdict is Verdict.APPLIED
    assert second.view is not None and second.view.data_saver


async def test_a_version_changed_elsewhere_is_the_one_logged(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    here = service(sessions, lib, clock)
    view, _ = await start(here, ADA, "desk")
    exercise = lib.routine("desk").exercises[0]
    # Easier on the left side: a remembered version (level -1) that this process then sees.
    await here.press(ADA, view.run_id, 0, Action.EASIER)
    await here.press(ADA, view.run_id, 1, Action.DONE)
    # Another process sets the exercise back to standard (a check-up's result, say): the row
    # stays one row, only its level and time change.
    clock.advance(minutes=1)
    async with sessions.begin() as session:
        await session.execute(
            update(ExerciseLevel)
            .where(ExerciseLevel.exercise_id == exercise)
            .values(level=0, updated_at=clock())
        )
    right = await here.press(ADA, view.run_id, 2, Action.DONE)
    assert right.verdict is Verdict.APPLIED
    assert right.view is not None and right.view.state.level_of(exercise) == 0
    logs = await rows(sessions)
    assert [(log.side, log.level) for log in logs] == [("left", -1), ("right", 0)]


async def test_a_version_remembered_elsewhere_for_the_first_time_is_logged(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    here = service(sessions, lib, clock)
    view, _ = await start(here, ADA, "desk")
    exercise = lib.routine("desk").exercises[0]
    await here.press(ADA, view.run_id, 0, Action.DONE)
    async with sessions.begin() as session:
        person_id = await session.scalar(select(Person.id))
        session.add(
            ExerciseLevel(person_id=person_id, exercise_id=exercise, level=-1, updated_at=clock())
        )
    right = await here.press(ADA, view.run_id, 1, Action.DONE)
    assert right.verdict is Verdict.APPLIED
    assert [(log.side, log.level) for log in await rows(sessions)] == [("left", 0), ("right", -1)]


async def test_a_message_attached_elsewhere_is_the_one_the_press_names(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    here, elsewhere = service(sessions, lib, clock), service(sessions, lib, clock)
    view, _ = await start(here, ADA, "desk")
    await here.press(ADA, view.run_id, 0, Action.DONE)
    await elsewhere.attach_message(view.run_id, 777)
    second = await here.press(ADA, view.run_id, 1, Action.DONE)
    assert second.verdict is Verdict.APPLIED
    assert second.view is not None and second.view.message_id == 777


async def test_a_deleted_run_is_missing_not_written(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    here = service(sessions, lib, clock)
    view, _ = await start(here, ADA, "desk")
    await here.press(ADA, view.run_id, 0, Action.DONE)
    async with sessions.begin() as session:
        await session.execute(SetLog.__table__.delete())
        await session.execute(Run.__table__.delete())
    gone = await here.press(ADA, view.run_id, 1, Action.DONE)
    assert gone.verdict is Verdict.MISSING
    assert await rows(sessions) == []
