"""Apply Alembic migrations programmatically, on the application's own engine.

Several processes may start at once on a fresh database (systemd starting two units, say).
On PostgreSQL the upgrade runs under a transaction-scoped advisory lock: the second process
waits, then finds the schema current. On SQLite the database file's write lock (BEGIN
IMMEDIATE) already lets one process at a time in.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The advisory lock's key: any fixed 64-bit number; this one spells "mobility" in ASCII.
MIGRATION_LOCK_KEY = 0x6D6F62696C697479


def alembic_config(url: str = "") -> Config:
    """Return an Alembic config pointing at the bundled migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _upgrade(connection: Connection, revision: str = "head") -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema to the newest revision (or the one given)."""
    if engine.dialect.name == "sqlite":
        await _upgrade_sqlite(engine, revision)
    else:
        async with engine.begin() as connection:
            # Held until this transaction ends: a concurrent upgrade waits here.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            await connection.run_sync(_upgrade, revision)
    logger.info("database schema is up to date")


async def _upgrade_sqlite(engine: AsyncEngine, revision: str) -> None:
    """Upgrade SQLite on a connection without foreign-key enforcement, then check the keys.

    Alembic changes a SQLite table by copying it and dropping the old one; with foreign keys
    enforced, that DROP would first delete every row that refers to the table (ON DELETE
    CASCADE). SQLite's documented procedure: keys off, change, foreign_key_check, keys on.
    """
    url = engine.url.render_as_string(hide_password=False)
    migrating = create_engine(url, foreign_keys=False)
    try:
        async with migrating.begin() as connection:
            await connection.run_sync(_upgrade, revision)
            broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                raise RuntimeError(f"a migration broke {len(broken)} foreign key(s): {broken[:3]}")
    finally:
        await migrating.dispose()
