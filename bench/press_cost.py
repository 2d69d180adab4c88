"""What the routine service's database work costs the bot's process per update (a diagnostic).

Not part of `make bench` (it has no goal): `python -m bench.press_cost` prints, per database,
the process CPU (aiosqlite's thread included; not PostgreSQL's server) of a start, a press and
a finish of the desk routine through RoutineService, for 200 new people, next to floor_db's
one committed row per update (bench/botproc.py). No Telegram, no rendering: the database layer
of the coach's press alone, the part section 1 of RESULTS.md cannot separate from the rest.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.botproc import commit_one_row
from bench.common import QUICK, database, database_kinds, migrate_db
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.unit_of_work import units
from bot.domain.run import Action, RunStatus
from bot.domain.screening import Screening
from bot.services.clock import system_clock
from bot.services.people import PeopleService, PersonRef
from bot.services.routines import RoutineService
from content import library

PEOPLE = 40 if QUICK else 200
FIRST_ID = 500_000


async def routine_service(url: str) -> dict[str, float]:
    """Return CPU ms per start, per press that moves a run on, and per finishing press."""
    engine = create_engine(url)
    units_of = units(create_sessionmaker(engine))
    lib = library()
    people = PeopleService(units_of, system_clock, "UTC")
    routines = RoutineService(units_of, lib, people, system_clock)
    spent = {"start": 0.0, "press": 0.0, "finish": 0.0}
    counts = dict.fromkeys(spent, 0)
    try:
        for index in range(PEOPLE):
            ref = PersonRef(FIRST_ID + index, FIRST_ID + index, "P")
            started = time.process_time()
            result = await routines.start(ref, "desk", message_id=2, screening=Screening.CLEAR)
            spent["start"] += time.process_time() - started
            counts["start"] += 1
            view = result.view
            while view is not None and view.state.status is RunStatus.ACTIVE:
                started = time.process_time()
                pressed = await routines.press(ref, view.run_id, view.state.version, Action.DONE)
                kind = "press" if pressed.finish is None else "finish"
                spent[kind] += time.process_time() - started
                counts[kind] += 1
                view = pressed.view
    finally:
        await engine.dispose()
    return {kind: 1000 * spent[kind] / max(1, counts[kind]) for kind in spent}


async def one_row(url: str, updates: int) -> float:
    """Return CPU ms of floor_db's write (bench.botproc.commit_one_row) per update."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        started = time.process_time()
        for update_id in range(1, updates + 1):
            await commit_one_row(sessions, update_id)
        return 1000 * (time.process_time() - started) / updates
    finally:
        await engine.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-press-") as tmp:
        for kind in await database_kinds():
            async with database(kind, Path(tmp)) as db:
                await migrate_db(db.url)
                costs = await routine_service(db.url)
                floor = await one_row(db.url, 5 * PEOPLE)
            print(
                f"{kind}: start {costs['start']:.2f} ms, press {costs['press']:.2f} ms, "
                f"finish {costs['finish']:.2f} ms CPU; floor_db's one-row write {floor:.2f} ms"
            )


if __name__ == "__main__":
    asyncio.run(main())
