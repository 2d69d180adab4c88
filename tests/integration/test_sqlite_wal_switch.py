"""A new SQLite file switched to WAL while another process writes to it: wait, do not fail."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import text

from bot.db.engine import create_engine


async def test_connecting_waits_for_a_writer_holding_a_fresh_file(tmp_path: Path) -> None:
    """SQLite answers the WAL switch with "database is locked" at once, no busy wait; the
    engine retries it until the other writer is done (two processes starting together)."""
    path = tmp_path / "fresh.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE started_first (x)")
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, writer.execute, "COMMIT")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            tables = (
                (await connection.execute(text("SELECT name FROM sqlite_master"))).scalars().all()
            )
    finally:
        await engine.dispose()
        writer.close()
    assert mode == "wal"
    assert tables == ["started_first"]
