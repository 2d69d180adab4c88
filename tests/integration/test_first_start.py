"""A first routine: the question before it stores nothing, the answer starts it in one go.

Someone new taps a routine, is asked the one-time hip question, and answers it. The tap that
only leads to the question keeps nothing about them; the answer registers them and opens the
run in one transaction that reads nothing but their (missing) row: a newcomer has no runs, hip
answers or versions to look up.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import ExerciseLevel, Person, Run
from bot.domain.run import Action, RunStatus
from bot.domain.screening import Screening
from content import Library
from tests.conftest import FakeClock
from tests.integration.test_routine_service import ADA, rows, service
from tests.sql import reads, statements


def _tables(sent: list[str]) -> list[str]:
    """Return the table each SELECT among the statements reads first."""
    return [re.search(r"\bFROM\s+(\w+)", sql).group(1) for sql in reads(sent)]  # type: ignore[union-attr]


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_tap_that_only_asks_the_question_stores_nothing(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> None:
    routines = service(sessions, lib, clock)
    result = await routines.start(ADA, "desk", message_id=7)
    assert result.needs_screening and result.view is None
    assert await _count(sessions, Person) == 0
    assert await _count(sessions, Run) == 0


async def test_the_answer_registers_and_starts_reading_only_the_persons_row(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    lib: Library,
    clock: FakeClock,
) -> None:
    routines = service(sessions, lib, clock)
    await routines.start(ADA, "desk", message_id=7)
    with statements(engine) as sent:
        result = await routines.start(ADA, "desk", message_id=7, screening=Screening.CLEAR)
    view = result.view
    assert result.is_new and view is not None and view.state.index == 0
    assert _tables(sent) == ["people"], sent
    async with sessions() as session:
        person = (await session.scalars(select(Person))).one()
        run = (await session.scalars(select(Run))).one()
    assert person.telegram_id == ADA.telegram_id and person.screening == Screening.CLEAR
    assert not person.reminders_on  # a start registers without reminders
    assert (run.status, run.message_id, run.person_id) == (RunStatus.ACTIVE, 7, person.id)
    # The start saw the newcomer's versions right (none): the first press writes without a read.
    clock.advance(seconds=30)
    with statements(engine) as sent:
        pressed = await routines.press(ADA, view.run_id, 0, Action.DONE)
    assert pressed.view is not None and pressed.view.state.index == 1
    assert reads(sent) == [], sent
    assert [log.step_index for log in await rows(sessions)] == [0]


async def test_someone_known_who_has_trained_still_gets_their_history_read(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    lib: Library,
    clock: FakeClock,
) -> None:
    """Only a newcomer skips the reads: a known person's versions shape the plan."""
    routines = service(sessions, lib, clock)
    await routines.start(ADA, "desk", screening=Screening.CLEAR)
    async with sessions() as session:
        person = (await session.scalars(select(Person))).one()
        session.add(
            ExerciseLevel(person_id=person.id, exercise_id="seated_ir", level=1, updated_at=clock())
        )
        await session.commit()
    clock.advance(minutes=5)
    with statements(engine) as sent:
        again = await routines.start(ADA, "desk")
    assert again.view is not None
    assert {"people", "exercise_levels"} <= set(_tables(sent)), sent
