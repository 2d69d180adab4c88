"""The team service on a real database: posts once, milestones once, edits spaced, clean-up.

Posts go out once per team and day across racing sweepers; board edits stay a gap apart
across processes; a team whose group the bot left 30 days ago is deleted.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Person, Run, Team, TeamPost
from bot.db.unit_of_work import units
from bot.services.people import PeopleService, PersonRef
from bot.services.teams import BOARD_GAP, TeamClaim, TeamService
from tests.conftest import FakeClock
from tests.rows import finished_run

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
BREAK = datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC)  # 11:00 in Berlin


def service(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, worker: str = "w"
) -> TeamService:
    people = PeopleService(units(sessions), clock, "Europe/Berlin")
    return TeamService(units(sessions), people, clock, "Europe/Berlin", worker=worker)


async def team_with(teams: TeamService, chat_id: int, members: int) -> int:
    """Set up a team in a group with members who joined through its link."""
    view, _ = await teams.setup(chat_id, f"Group {chat_id}", admin_telegram_id=1)
    for i in range(members):
        uid = abs(chat_id) * 100 + i
        await teams.join_by_code(view.code, PersonRef(uid, uid, f"M{i}"))
    return view.id


async def finish(sessions: async_sessionmaker[AsyncSession], telegram_id: int, day: date) -> None:
    """Record a finished routine of the person on a local day (as a run that counts)."""
    async with sessions() as session:
        person_id = await session.scalar(select(Person.id).where(Person.telegram_id == telegram_id))
        await session.execute(insert(Run).values(finished_run(person_id, day, chat_id=telegram_id)))
        await session.commit()


async def boards_after_finish(
    sessions: async_sessionmaker[AsyncSession], telegram_id: int, day: date
) -> list[tuple[int, int]]:
    """Mark the boards a finish of the person on that day changes, as a finishing press does."""
    async with units(sessions)() as uow:
        person = await uow.people.by_telegram_id(telegram_id)
        assert person is not None
        posts = await uow.teams.mark_boards_dirty(person.id, [day])
        await uow.commit()
        return posts


async def test_two_sweepers_post_each_team_once(database_url, sessions) -> None:
    clock = FakeClock(MONDAY)
    setup = service(sessions, clock)
    for chat in range(40):
        await team_with(setup, -7000 - chat, 2)
    clock.now = BREAK
    engines = [create_engine(database_url) for _ in range(2)]
    sweepers = [
        service(create_sessionmaker(engine), clock, f"w{i}") for i, engine in enumerate(engines)
    ]
    claimed: list[TeamClaim] = []

    async def run(sweeper: TeamService) -> None:
        while batch := await sweeper.claim_due(7):
            claimed.extend(batch)
            for claim in batch:
                await sweeper.mark_sent(claim.post_id, message_id=claim.post_id)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(run(s) for s in sweepers))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(c.chat_id for c in claimed) == sorted(-7000 - chat for chat in range(40))
    async with sessions() as session:
        rows = (await session.scalars(select(TeamPost))).all()
    assert len(rows) == 40 and {r.status for r in rows} == {"sent"}
    assert await setup.claim_due(50) == [], "nothing twice"


async def test_milestones_once_and_board_edits_spaced(sessions) -> None:
    clock = FakeClock(MONDAY)
    teams = service(sessions, clock)
    await team_with(teams, -8001, 2)
    members = [800100, 800101]
    for offset in range(3):  # Monday to Wednesday: both finish each day
        day = MONDAY.date() + timedelta(days=offset)
        clock.now = BREAK + timedelta(days=offset)
        [claim] = await teams.claim_due(5)
        await teams.mark_sent(claim.post_id, message_id=100 + offset)
        for uid in members:
            await finish(sessions, uid, day)
        posts = await boards_after_finish(sessions, members[0], day)
        assert posts == [(claim.post_id, -8001)]
        assert await teams.board_edit(claim.post_id) is None, "within the gap of the post"
        clock.now += BOARD_GAP
        edit = await teams.board_edit(claim.post_id)
        assert edit is not None and edit.board.done == 2
        assert edit.milestones == ((3,) if offset == 2 else ())
        assert await teams.board_edit(claim.post_id) is None, "clean now"
        await boards_after_finish(sessions, members[1], day)
        clock.now += BOARD_GAP
        again = await teams.board_edit(claim.post_id)
        assert again is not None and again.milestones == (), "each milestone once"


async def test_teams_the_bot_left_30_days_ago_are_deleted(sessions) -> None:
    clock = FakeClock(MONDAY)
    teams = service(sessions, clock)
    await team_with(teams, -9001, 2)
    await team_with(teams, -9002, 2)
    assert await teams.bot_left(-9001)
    clock.now += timedelta(days=29)
    assert await teams.clean_up() == 0
    assert await teams.bot_left(-9002)
    clock.now += timedelta(days=2)
    assert await teams.clean_up() == 1
    async with sessions() as session:
        assert [t.chat_id for t in (await session.scalars(select(Team))).all()] == [-9002]
