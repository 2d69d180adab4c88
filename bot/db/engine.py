"""Create the async engine and session factory, with SQLite tuned for one writer at a time."""

from __future__ import annotations

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
        engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30})
        _tune_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    return create_async_engine(database_url, echo=echo, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (below) instead of the driver's lazy deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads and then writes can deadlock against another
        # writer; taking the write lock up front makes concurrent writers queue instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory services use: one session per task, no expiry on commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
