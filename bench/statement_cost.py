"""What one SQL statement costs the bot's process, through the bot's own engine (a diagnostic).

Not part of `make bench` (it has no goal): `python -m bench.statement_cost` prints, per
database, the CPU time of a transaction of one and of five trivial statements through
bot.db.engine (SQLAlchemy async), so the difference is the price of four statements, whatever
they read; on SQLite also the driver alone (aiosqlite) with SQLAlchemy's way of running a
statement (a cursor opened, executed, fetched and closed: four hand-offs to the driver's
thread) and with aiosqlite's one-call `execute_fetchall` (one hand-off).

Why it exists: the coach's press is judged against floor_db (one committed row per update), and
on SQLite the coach runs more statements per update (section 1 of RESULTS.md counts them):
this says what each of them costs, apart from what it does.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
from sqlalchemy import text

from bench.common import QUICK, database, database_kinds, median
from bot.db.engine import create_engine, create_sessionmaker

TRANSACTIONS = 300 if QUICK else 2000
REPEATS = 5  # each figure is the median of this many timings


def _cpu_ms_per(count: int, started: float) -> float:
    return 1000 * (time.process_time() - started) / count


async def _median_of(measure: Callable[[], Awaitable[float]]) -> float:
    return median([await measure() for _ in range(REPEATS)])


async def through_engine(url: str, statements: int) -> float:
    """CPU ms of one transaction of `statements` SELECT 1s through the bot's engine."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:  # connect (and on SQLite set WAL) before timing
            await session.execute(text("SELECT 1"))
            await session.commit()

        async def once() -> float:
            started = time.process_time()
            for _ in range(TRANSACTIONS):
                async with sessions() as session:
                    for _ in range(statements):
                        await session.execute(text("SELECT 1"))
                    await session.commit()
            return _cpu_ms_per(TRANSACTIONS, started)

        return await _median_of(once)
    finally:
        await engine.dispose()


async def driver_alone(path: Path) -> tuple[float, float]:
    """CPU ms of one SELECT 1 on aiosqlite: as SQLAlchemy runs it, and in one call."""
    async with aiosqlite.connect(path) as connection:

        async def four_handoffs() -> float:
            started = time.process_time()
            for _ in range(TRANSACTIONS):
                async with connection.cursor() as cursor:
                    await cursor.execute("SELECT 1")
                    await cursor.fetchall()
            return _cpu_ms_per(TRANSACTIONS, started)

        async def one_handoff() -> float:
            started = time.process_time()
            for _ in range(TRANSACTIONS):
                await connection.execute_fetchall("SELECT 1")
            return _cpu_ms_per(TRANSACTIONS, started)

        return await _median_of(four_handoffs), await _median_of(one_handoff)


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-statements-") as tmp:
        for kind in await database_kinds():
            async with database(kind, Path(tmp)) as db:
                one = await through_engine(db.url, 1)
                five = await through_engine(db.url, 5)
            print(
                f"{kind}: a transaction of 1 statement {one:.3f} ms CPU, of 5 {five:.3f} ms: "
                f"{(five - one) / 4:.3f} ms a statement through the bot's engine"
            )
        four, single = await driver_alone(Path(tmp) / "driver.db")
        print(
            f"sqlite, aiosqlite alone: {four:.3f} ms a statement as SQLAlchemy runs it (cursor, "
            f"execute, fetch, close), {single:.3f} ms with execute_fetchall (one hand-off)"
        )


if __name__ == "__main__":
    asyncio.run(main())
