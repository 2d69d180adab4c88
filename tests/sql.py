"""The SQL statements a block of test code sent through an engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Collect the SQL statements sent through the engine inside the block."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def reads(sent: list[str]) -> list[str]:
    """Return the SELECT statements among those sent."""
    return [sql for sql in sent if sql.lstrip().upper().startswith("SELECT")]


@contextmanager
def transaction_control(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Collect the BEGIN, COMMIT and ROLLBACK round trips asyncpg sends (PostgreSQL only).

    SQLAlchemy's asyncpg driver opens and ends transactions through asyncpg's own Transaction,
    which sends them with Connection.execute: not cursor statements, so `statements` misses them.
    """
    sent: list[str] = []
    original = asyncpg.Connection.execute

    async def execute(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> str:
        if query.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append(query.strip())
        status: str = await original(self, query, *args, **kwargs)
        return status

    with monkeypatch.context() as patch:
        patch.setattr(asyncpg.Connection, "execute", execute)
        yield sent
