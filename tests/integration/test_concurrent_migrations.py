"""Processes started together on a fresh database migrate it once, without failing.

What `systemctl enable --now` on two units does: both run `migrate` (or start, which
migrates) at the same instant. Without the advisory lock, PostgreSQL failed one of them in
two of three tries (UniqueViolation on pg_type while both created the same table).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.config import normalise_database_url
from bot.db import migrate
from bot.db.engine import create_engine
from tests.conftest import _pg_admin, _pg_dsn, _pg_template

ROOT = Path(__file__).resolve().parents[2]
# Without the lock about half the PostgreSQL rounds failed: five make a miss unlikely.
ROUNDS = {"sqlite": 2, "postgresql": 5}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Yield the URLs of a few empty databases of each kind (dropped afterwards)."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path}/round{i}.db" for i in range(ROUNDS["sqlite"])]
        return
    _pg_template()  # skips (or fails in CI) when no server is reachable
    names = [f"mc_race_{uuid.uuid4().hex[:12]}" for _ in range(ROUNDS["postgresql"])]
    for name in names:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield [_pg_dsn(name) for name in names]
    finally:
        for name in names:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def migrate_process(url: str) -> tuple[int, str]:
    """Run `mobility-coach migrate` as its own process; return its exit code and output."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, output.decode(errors="replace")


async def test_two_migrations_at_once_both_succeed_and_migrate_once(fresh_urls) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    for url in fresh_urls:
        results = await asyncio.gather(migrate_process(url), migrate_process(url))
        for code, output in results:
            assert code == 0, f"a concurrent migrate failed:\n{output[-2000:]}"
            assert "database schema is up to date" in output
        engine = create_engine(normalise_database_url(url))
        try:
            async with engine.connect() as connection:
                versions = (
                    await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).all()
        finally:
            await engine.dispose()
        assert [tuple(row) for row in versions] == [(head,)]
