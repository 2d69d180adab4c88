"""Benchmark 3, schedule scale: one sweep claim with 10k, 100k and 1M people scheduled.

People are bulk-loaded with SQL: 90% due some time in the next week, 10% with reminders off,
and a few batches due now (scattered among the ids). One claim is ReminderService.claim_due
with the production batch size (ReminderPace from the default settings), timed several times
(each claims the next batch) after a warm-up claim. The claim's SELECT is captured as the
service sends it and explained (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL)
to show it goes through the index on people.next_reminder_at.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event

from bench.common import (
    QUICK,
    Database,
    database,
    database_kinds,
    median,
    publish,
    ratio,
    say,
    setup_logging,
    table,
)
from bench.people import Crowd, load
from bot.config import Settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.unit_of_work import units
from bot.services.reminders import ReminderService
from handlers.reminders import ReminderPace

SIZES = (1_000, 10_000, 100_000) if QUICK else (10_000, 100_000, 1_000_000)
REPETITIONS = 7
INDEX = "ix_people_next_reminder_at"


def production_batch() -> int:
    """Return the batch one sweep claims with the default settings."""
    settings = Settings(_env_file=None)
    return ReminderPace(settings.reminder_rate, settings.sweep_interval_seconds).batch


@dataclass
class Captured:
    """The statements the claims sent, and the claim's own SELECT on people."""

    count: int = 0
    select: tuple[str, Any] | None = None
    active: bool = False
    kinds: dict[str, int] = field(default_factory=dict)


def _is_claim_select(statement: str) -> bool:
    text = " ".join(statement.split()).lower()
    return (
        text.startswith("select")
        and "from people" in text
        and "next_reminder_at <=" in text
        and "order by people.next_reminder_at" in text
    )


async def measure(kind: str, size: int, batch: int, workdir: Path) -> dict[str, Any]:
    """Load `size` people, time the claims; return the figures and the query plan."""
    # A fixed noon, so a due instant a few minutes earlier is always the same local day.
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    crowd = Crowd(
        count=size,
        due=batch * (REPETITIONS + 2),  # warm-up, the timed claims, and one left to explain
        now=now,
        first_id=10_000_000,
        due_window=timedelta(minutes=5),
    )
    async with database(kind, workdir, migrated=True) as db:
        started = time.perf_counter()
        await load(db, crowd)
        load_s = time.perf_counter() - started
        engine = create_engine(db.url)
        captured = Captured()

        def on_statement(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if not captured.active:
                return
            captured.count += 1
            word = statement.lstrip().split(None, 1)[0].upper()
            captured.kinds[word] = captured.kinds.get(word, 0) + 1
            if captured.select is None and _is_claim_select(statement):
                captured.select = (statement, params)

        event.listen(engine.sync_engine, "before_cursor_execute", on_statement)
        service = ReminderService(
            units(create_sessionmaker(engine)), lambda: now + timedelta(seconds=1)
        )
        try:
            await service.claim_due(batch)  # warm-up: connections, statement caches
            walls, cpus = [], []
            captured.active = True
            for _ in range(REPETITIONS):
                wall, cpu = time.perf_counter(), time.process_time()
                claims = await service.claim_due(batch)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                if len(claims) != batch:
                    raise RuntimeError(f"claimed {len(claims)}, expected {batch}")
            captured.active = False
        finally:
            await engine.dispose()
        if captured.select is None:
            raise RuntimeError("the claim's SELECT on people was not seen")
        plan = await explain(db, *captured.select)
    return {
        "kind": kind,
        "people": size,
        "batch": batch,
        "load_s": load_s,
        "claim_ms": [1000 * w for w in walls],
        "median_ms": 1000 * median(walls),
        "median_cpu_ms": 1000 * median(cpus),
        "statements_per_claim": captured.count / REPETITIONS,
        "statement_kinds": captured.kinds,
        "sql": captured.select[0],
        "plan": plan,
        "uses_index": INDEX in plan,
    }


async def explain(db: Database, statement: str, params: Any) -> str:
    """Return the query plan of the captured SELECT with its parameters."""
    if db.kind == "sqlite":
        assert db.path is not None
        return await asyncio.to_thread(_explain_sqlite, str(db.path), statement, params)
    connection = await asyncpg.connect(db.dsn, timeout=10)
    try:
        transaction = connection.transaction()
        await transaction.start()
        try:
            rows = await connection.fetch(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, *params
            )
        finally:
            await transaction.rollback()  # the plan ran the locking SELECT: let go
    finally:
        await connection.close()
    return "\n".join(str(row[0]) for row in rows)


def _explain_sqlite(path: str, statement: str, params: Any) -> str:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("EXPLAIN QUERY PLAN " + statement, tuple(params)).fetchall()
    finally:
        connection.close()
    return "\n".join(str(row[-1]) for row in rows)


def render(results: list[dict[str, Any]]) -> str:
    """Return the figures, the ratio per database and the plans."""
    rows = [
        (
            r["kind"],
            r["people"],
            r["batch"],
            r["median_ms"],
            r["median_cpu_ms"],
            r["statements_per_claim"],
            r["uses_index"],
            r["load_s"],
        )
        for r in results
    ]
    text = table(
        [
            "database",
            "people scheduled",
            "batch",
            "claim median ms",
            "claim CPU median ms",
            "SQL statements/claim",
            "uses the index",
            "bulk load s",
        ],
        rows,
    )
    ratio_rows = []
    for kind in dict.fromkeys(r["kind"] for r in results):
        mine = [r for r in results if r["kind"] == kind]
        smallest, largest = mine[0], mine[-1]
        value = ratio(largest["median_ms"], smallest["median_ms"])
        ratio_rows.append(
            (kind, f"{largest['people']:,} / {smallest['people']:,}", value, value <= 2.0)
        )
    text += "\n\n" + table(["database", "sizes", "claim time ratio", "at most 2"], ratio_rows)
    for r in results:
        if r is [x for x in results if x["kind"] == r["kind"]][-1]:
            tool = "EXPLAIN QUERY PLAN" if r["kind"] == "sqlite" else "EXPLAIN ANALYZE"
            text += (
                f"\n\n{tool} of the claim on {r['kind']}, {r['people']:,} people:\n\n"
                f"```sql\n{' '.join(r['sql'].split())}\n```\n\n```\n{r['plan']}\n```"
            )
    return text


async def main() -> None:
    setup_logging()
    started = time.time()
    batch = production_batch()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-schedule-") as tmp:
        for kind in await database_kinds():
            for size in SIZES:
                say(f"schedule scale: {kind}, {size:,} people ...")
                result = await measure(kind, size, batch, Path(tmp))
                say(
                    f"  loaded in {result['load_s']:.1f} s; claim of {batch}: "
                    f"median {result['median_ms']:.0f} ms; index used: {result['uses_index']}"
                )
                results.append(result)
    text = render(results)
    await publish(
        "schedule_scale", text, started, batch=batch, repetitions=REPETITIONS, results=results
    )


if __name__ == "__main__":
    asyncio.run(main())
