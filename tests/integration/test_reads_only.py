"""A look that only reads (the routine menu, a language) takes no transaction, and no lock.

On SQLite every transaction takes the write lock first (BEGIN IMMEDIATE); a read that opened
one waited behind another process's write and held up every writer while it ran.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.unit_of_work import units
from bot.services.people import PeopleService
from content import Library
from tests.conftest import FakeClock
from tests.integration.test_routine_service import ADA, service, start
from tests.sql import statements, transaction_control


async def test_a_read_sends_no_begin(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    lib: Library,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    people = PeopleService(units(sessions), clock, "Europe/Berlin")
    with statements(engine) as sent, transaction_control(monkeypatch) as control:
        active = await routines.active(ADA)
        language = await people.language_of(ADA.telegram_id)
    assert active is not None and active.run_id == view.run_id
    assert language == "en"
    assert not [sql for sql in sent if sql.lstrip().upper().startswith("BEGIN")], sent
    assert [q for q in control if q.upper().startswith("BEGIN")] == []


async def test_on_sqlite_a_read_is_not_held_up_by_another_process_writing(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    lib: Library,
    clock: FakeClock,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL reads never wait for writers")
    routines = service(sessions, lib, clock)
    view, _ = await start(routines, ADA, "desk")
    # Another process takes the write lock and keeps it (as a long write would).
    other = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE people SET first_name = 'Ada L.'")
        # The busy timeout is 30 s: a read waiting for the lock would not answer in 5.
        active = await asyncio.wait_for(routines.active(ADA), timeout=5)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert active is not None and active.run_id == view.run_id
