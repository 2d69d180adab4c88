"""The check-up service on a real database (SQLite and PostgreSQL): what each use case writes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Base, Checkup, ExerciseLevel, Person, Run
from bot.db.unit_of_work import units
from bot.domain.run import RunStatus
from bot.services.checkup import CheckupService, Verdict
from bot.services.people import PeopleService, PersonRef
from content import Library
from tests.conftest import FakeClock

M = TypeVar("M", bound=Base)
ADA = PersonRef(telegram_id=1001, chat_id=1001, first_name="Ada")
BOB = PersonRef(telegram_id=2002, chat_id=2002, first_name="Bob")


def services(
    sessions: async_sessionmaker[AsyncSession], lib: Library, clock: FakeClock
) -> tuple[CheckupService, PeopleService]:
    return (
        CheckupService(units(sessions), lib, clock),
        PeopleService(units(sessions), clock, "Europe/Berlin"),
    )


async def all_of(sessions: async_sessionmaker[AsyncSession], model: type[M]) -> list[M]:
    async with sessions() as session:
        return list((await session.scalars(select(model))).all())


async def finish(checkup: CheckupService, ref: PersonRef, yes: int, range_answer: str) -> int:
    """Start and answer a whole check-up; return its id."""
    view = await checkup.start(ref)
    assert view is not None
    for step in range(len(checkup.rules.questions)):
        press = await checkup.answer(ref, view.checkup_id, step, step < yes)
        assert press.verdict is Verdict.APPLIED
    done = await checkup.answer(ref, view.checkup_id, len(checkup.rules.questions), range_answer)
    assert done.verdict is Verdict.APPLIED and done.view is not None
    assert done.view.result is not None
    return view.checkup_id


async def test_someone_unknown_starts_nothing_and_has_no_status(sessions, lib, clock) -> None:
    checkup, _ = services(sessions, lib, clock)
    assert await checkup.start(ADA) is None
    assert await checkup.status(ADA) is None
    assert await all_of(sessions, Checkup) == []
    assert await all_of(sessions, Person) == []


async def test_answers_are_recorded_once_and_the_range_answer_scores(sessions, lib, clock) -> None:
    checkup, people = services(sessions, lib, clock)
    await people.register(ADA)
    view = await checkup.start(ADA)
    assert view is not None and view.step == 0 and view.result is None
    questions = lib.coaching.checkup.questions
    n = len(questions)

    first = await checkup.answer(ADA, view.checkup_id, 0, True)
    assert first.verdict is Verdict.APPLIED and first.view is not None and first.view.step == 1
    # The same press again, a later step, a range answer to a question: nothing changes.
    assert (await checkup.answer(ADA, view.checkup_id, 0, False)).verdict is Verdict.ANSWERED
    assert (await checkup.answer(ADA, view.checkup_id, 3, True)).verdict is Verdict.ANSWERED
    assert (await checkup.answer(ADA, view.checkup_id, 1, "free")).verdict is Verdict.INVALID
    [row] = await all_of(sessions, Checkup)
    assert json.loads(row.answers) == {questions[0].id: True}

    for step in range(1, n):
        await checkup.answer(ADA, view.checkup_id, step, step % 2 == 0)
    assert (await checkup.answer(ADA, view.checkup_id, n, True)).verdict is Verdict.INVALID
    assert (await checkup.answer(ADA, view.checkup_id, n, "lots")).verdict is Verdict.INVALID
    [row] = await all_of(sessions, Checkup)
    assert row.score is None and row.band is None

    clock.advance(minutes=3)
    done = await checkup.answer(ADA, view.checkup_id, n, "some")
    assert done.verdict is Verdict.APPLIED and done.view is not None
    yes = sum(1 for step in range(n) if step == 0 or step % 2 == 0)
    expected = yes + next(
        a.points for a in lib.coaching.checkup.range_test.answers if a.id == "some"
    )
    [row] = await all_of(sessions, Checkup)
    assert row.score == expected == done.view.result.score  # type: ignore[union-attr]
    band = next(b for b in lib.coaching.checkup.bands if expected <= b.up_to)
    assert row.band == band.id
    assert row.taken_at == clock.now and row.accepted_at is None
    assert json.loads(row.answers)["range"] == "some"
    # Finished: no answer changes it any more.
    again = await checkup.answer(ADA, view.checkup_id, n, "free")
    assert again.verdict is Verdict.FINISHED
    assert (await checkup.answer(ADA, view.checkup_id, 0, False)).verdict is Verdict.FINISHED
    [after] = await all_of(sessions, Checkup)
    assert (after.answers, after.score, after.band) == (row.answers, row.score, row.band)


async def test_accepting_sets_routine_levels_and_starting_levels(sessions, lib, clock) -> None:
    checkup, people = services(sessions, lib, clock)
    await people.register(ADA)
    async with sessions.begin() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        # Remembered versions from before: one the result changes, one outside its routine.
        session.add(
            ExerciseLevel(
                person_id=person.id, exercise_id="ninety_ninety", level=1, updated_at=clock.now
            )
        )
        session.add(
            ExerciseLevel(
                person_id=person.id, exercise_id="banded_ir", level=1, updated_at=clock.now
            )
        )
    checkup_id = await finish(checkup, ADA, len(lib.coaching.checkup.questions), "little")
    stiff = lib.coaching.checkup.bands[-1]
    n = len(lib.coaching.checkup.questions)

    assert (await checkup.accept(BOB, checkup_id, n + 1)).verdict is Verdict.FOREIGN
    assert (await checkup.accept(ADA, checkup_id, n)).verdict is Verdict.ANSWERED
    assert (await checkup.accept(ADA, checkup_id + 1, n + 1)).verdict is Verdict.MISSING
    assert (
        await all_of(sessions, Checkup) and (await all_of(sessions, Checkup))[0].accepted_at is None
    )

    clock.advance(minutes=1)
    accepted = await checkup.accept(ADA, checkup_id, n + 1)
    assert accepted.verdict is Verdict.APPLIED and accepted.view is not None
    assert accepted.view.accepted
    [row] = await all_of(sessions, Checkup)
    assert row.accepted_at == clock.now
    levels = {
        r.exercise_id: (r.level, r.start_level) for r in await all_of(sessions, ExerciseLevel)
    }
    expected = {exercise: (level, level) for exercise, level in stiff.levels.items()}
    assert levels == {**expected, "banded_ir": (1, 0)}
    [person] = await all_of(sessions, Person)
    assert person.remind_routine == stiff.routine

    # A second "Use this", or "Not now" after it: nothing changes.
    clock.advance(minutes=1)
    assert (await checkup.accept(ADA, checkup_id, n + 1)).verdict is Verdict.ACCEPTED
    assert (await checkup.decline(ADA, checkup_id, n + 1)).verdict is Verdict.ACCEPTED
    [again] = await all_of(sessions, Checkup)
    assert again.accepted_at == row.accepted_at


async def test_a_newer_checkup_closes_the_older_one(sessions, lib, clock) -> None:
    checkup, people = services(sessions, lib, clock)
    await people.register(ADA)
    n = len(lib.coaching.checkup.questions)
    older = await finish(checkup, ADA, 0, "free")
    newer = await checkup.start(ADA)
    assert newer is not None
    assert (await checkup.accept(ADA, older, n + 1)).verdict is Verdict.REPLACED
    assert (await checkup.decline(ADA, older, n + 1)).verdict is Verdict.REPLACED
    await checkup.answer(ADA, newer.checkup_id, 0, True)
    third = await checkup.start(ADA)
    assert third is not None
    # An answer to the abandoned one changes nothing.
    assert (await checkup.answer(ADA, newer.checkup_id, 1, True)).verdict is Verdict.REPLACED
    rows = sorted(await all_of(sessions, Checkup), key=lambda r: r.id)
    assert [r.accepted_at for r in rows] == [None, None, None]
    assert json.loads(rows[1].answers) == {lib.coaching.checkup.questions[0].id: True}
    assert await all_of(sessions, ExerciseLevel) == []
    # Someone else's check-up is not theirs to answer.
    await people.register(BOB)
    assert (await checkup.answer(BOB, third.checkup_id, 0, True)).verdict is Verdict.FOREIGN


async def test_status_shows_the_last_two_results_and_when_it_is_due(sessions, lib, clock) -> None:
    checkup, people = services(sessions, lib, clock)
    await people.register(ADA)
    status = await checkup.status(ADA)
    assert status is not None and status.results == () and not status.is_due
    assert status.next_due is None

    # Seven days trained (one of them twice): the first check-up is due from the seventh.
    today = date(2026, 3, 2)
    async with sessions.begin() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        days = [today - timedelta(days=d) for d in (9, 8, 8, 6, 5, 4, 2, 1)]
        await session.execute(
            insert(Run),
            [
                {
                    "person_id": person.id,
                    "routine_id": "desk",
                    "plan": "",
                    "status": RunStatus.FINISHED,
                    "chat_id": 1001,
                    "timezone": "Europe/Berlin",
                    "started_at": clock.now,
                    "step_started_at": clock.now,
                    "local_date": day,
                    "sets_done": 3,
                }
                for day in days
            ],
        )
    status = await checkup.status(ADA)
    assert status is not None and status.is_due and status.next_due == today - timedelta(days=1)

    await finish(checkup, ADA, 6, "some")
    clock.advance(days=28)
    await finish(checkup, ADA, 1, "free")
    abandoned = await checkup.start(ADA)  # an unfinished one is no result
    assert abandoned is not None
    clock.advance(days=27)
    status = await checkup.status(ADA)
    assert status is not None
    assert [(r.local_date, r.score) for r in status.results] == [
        (today, 8),
        (today + timedelta(days=28), 1),
    ]
    assert status.next_due == today + timedelta(days=56) and not status.is_due
    clock.advance(days=1)
    status = await checkup.status(ADA)
    assert status is not None and status.is_due
