"""Create the async engine and session factory, with SQLite tuned for one writer at a time."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_PREFIX = "sqlite+aiosqlite:///"
# The execution option of a SQLite connection that only reads: no BEGIN IMMEDIATE for it.
READS_ONLY = "coach_reads_only"
# How long a SQLite writer waits for another's lock before "database is locked".
BUSY_TIMEOUT_MS = 30_000


def create_engine(
    database_url: str, *, echo: bool = False, foreign_keys: bool = True
) -> AsyncEngine:
    """Build the engine; on SQLite make the file's folder and set WAL and immediate writes.

    foreign_keys=False is for SQLite schema changes only (bot.db.migrate): rebuilding a table
    drops the old one, and with foreign keys enforced that DROP deletes every child row first.
    """
    if database_url.startswith(SQLITE_PREFIX):
        path = database_url.removeprefix(SQLITE_PREFIX)
        if path and ":memory:" not in path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process, so the process's transactions queue for it in order.
        # Every transaction takes the write lock (BEGIN IMMEDIATE below); with a pool of
        # connections, each waiting one sleeps in SQLite's busy handler, retrying at growing
        # intervals (up to 100 ms) and losing to newer ones: presses waited up to a second
        # for the lock while no transaction held it 50 ms (bench/RESULTS.md, section 1). The
        # busy timeout still covers another process on the same file.
        engine = create_async_engine(
            database_url,
            echo=echo,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
            pool_size=1,
            max_overflow=0,
            # A transaction waits for the connection as long as for another process's lock.
            pool_timeout=BUSY_TIMEOUT_MS / 1000,
        )
        _tune_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    return create_async_engine(database_url, echo=echo, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (below) instead of the driver's lazy deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READS_ONLY):
            # No transaction: each SELECT reads its own snapshot (as at PostgreSQL's READ
            # COMMITTED), without waiting for the write lock or holding it from writers.
            return
        # A deferred transaction that reads and then writes can deadlock against another
        # writer; taking the write lock up front makes concurrent writers queue instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _switch_to_wal(cursor: Any) -> None:
    """Put the database in WAL mode, waiting while another process holds the lock it needs.

    Switching a fresh file to WAL takes an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy timeout, when another connection is switching it or
    writing at that moment: two processes started together on a new database (the concurrent
    migration test saw it under load). Once the file is in WAL mode the pragma only reads it.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory services use: one session per task, no expiry on commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
