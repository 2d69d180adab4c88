"""The Alembic migrations against themselves and against the models, on SQLite and PostgreSQL.

Every test walks whatever revisions bot/db/migrations/versions holds, so a new migration is
covered the moment it lands: each step must downgrade to exactly the schema it started from and
upgrade again, the full downgrade must leave nothing behind, and head must be what the models
describe: nothing for `alembic revision --autogenerate` to do, and the same inspected schema as
`Base.metadata.create_all` builds (CHECK constraints included, which autogenerate ignores).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.models import Base
from tests.conftest import _pg_admin, _pg_dsn

VERSION_TABLE = "alembic_version"


def revisions() -> list[Script]:
    """Every revision, base first."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return list(reversed(list(script.walk_revisions("base", "heads"))))


@contextmanager
def _empty_database(database_url: str, folder: Path) -> Iterator[str]:
    """Make an empty database of the kind `database_url` is; drop it on the way out.

    `database_url` itself will not do on PostgreSQL: it is a clone of the migrated template.
    So the database comes from the pristine template0 and is dropped whatever the test did
    (FORCE ends connections a failure left open).
    """
    name = f"mc_migrations_{uuid.uuid4().hex[:12]}"
    if not database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{folder}/{name}.db"
        return
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield "postgresql+asyncpg://" + _pg_dsn(name).removeprefix("postgresql://")
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database of each kind (`database_url` decides which)."""
    with _empty_database(database_url, tmp_path) as url:
        yield url


@pytest.fixture
def other_empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a second empty database of the same kind."""
    with _empty_database(database_url, tmp_path) as url:
        yield url


async def alembic(engine: AsyncEngine, action: Callable[[Config], None]) -> None:
    """Run one Alembic command in a transaction of its own, as `migrate.upgrade` does."""

    def run(connection: Connection) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        action(config)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def upgrade(engine: AsyncEngine, revision: str) -> None:
    """Upgrade to `revision`."""
    await alembic(engine, lambda config: command.upgrade(config, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Downgrade to `revision` (relative steps like "-1" allowed)."""
    await alembic(engine, lambda config: command.downgrade(config, revision))


def _schema(connection: Connection) -> dict[str, Any]:
    """Describe everything a migration can create, in a form two states can be compared in."""
    inspector = inspect(connection)
    tables: dict[str, Any] = {}
    for table in inspector.get_table_names():
        if table == VERSION_TABLE:
            continue
        primary_key = inspector.get_pk_constraint(table)
        tables[table] = {
            # By name: SQLite's batch mode may rebuild a table with its columns in a new order.
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ),
            "primary key": (primary_key.get("name"), primary_key["constrained_columns"]),
            "foreign keys": sorted(
                (
                    fk.get("name") or "",
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    sorted(fk.get("options", {}).items()),
                )
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix.get("name") or "", tuple(map(str, ix["column_names"])), bool(ix["unique"]))
                for ix in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (uq.get("name") or "", tuple(uq["column_names"]))
                for uq in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(
                (ck.get("name") or "", ck["sqltext"])
                for ck in inspector.get_check_constraints(table)
            ),
        }
    schema: dict[str, Any] = {"tables": tables, "views": sorted(inspector.get_view_names())}
    if connection.dialect.name == "postgresql":
        # Objects that outlive a dropped table on PostgreSQL: a downgrade must drop them too.
        schema["sequences"] = sorted(inspector.get_sequence_names())
        schema["enums"] = sorted(e["name"] for e in inspector.get_enums())  # type: ignore[attr-defined]
    return schema


SINGULAR = {
    "columns": "column",
    "primary key": "primary key",
    "foreign keys": "foreign key",
    "indexes": "index",
    "unique": "unique constraint",
    "checks": "check constraint",
    "views": "view",
    "sequences": "sequence",
    "enums": "enum",
}


def _facts(schema: dict[str, Any]) -> set[str]:
    """Flatten a schema description into one line per table, column, index, key..."""
    facts: set[str] = set()
    for kind, value in schema.items():
        if kind != "tables":
            facts |= {f"{SINGULAR[kind]} {item}" for item in value}
            continue
        for table, aspects in value.items():
            facts.add(f"table {table}")
            for aspect, items in aspects.items():
                for item in [items] if aspect == "primary key" else items:
                    facts.add(f"{table}: {SINGULAR[aspect]} {item}")
    return facts


def changes(expected: dict[str, Any], actual: dict[str, Any]) -> str:
    """Say what `actual` has that `expected` has not, and the other way round."""
    extra, missing = _facts(actual) - _facts(expected), _facts(expected) - _facts(actual)
    return "".join(f"\n  + {fact}" for fact in sorted(extra)) + "".join(
        f"\n  - {fact}" for fact in sorted(missing)
    )


async def schema(engine: AsyncEngine) -> dict[str, Any]:
    """Return the database's schema as `_schema` describes it."""
    async with engine.connect() as connection:
        return await connection.run_sync(_schema)


async def version_rows(engine: AsyncEngine) -> list[str]:
    """Return the revisions alembic_version records."""
    async with engine.connect() as connection:
        result = await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        return [row[0] for row in result]


def schema_of_nothing(engine: AsyncEngine) -> dict[str, Any]:
    """Return the description `_schema` gives of a database with nothing in it."""
    empty: dict[str, Any] = {"tables": {}, "views": []}
    if engine.dialect.name == "postgresql":
        empty |= {"sequences": [], "enums": []}
    return empty


def test_the_migrations_have_one_head() -> None:
    # Two migrations written at the same time on top of the same revision make two heads;
    # `upgrade head` then refuses to run. One has to follow the other (or `alembic merge`).
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"


async def test_every_step_downgrades_to_where_it_started_and_upgrades_again(empty_url: str):
    engine = create_engine(empty_url)
    try:
        steps = revisions()
        assert steps, "no migrations found"
        for step in steps:
            before = await schema(engine)
            await upgrade(engine, step.revision)
            upgraded = await schema(engine)
            await downgrade(engine, "-1")
            downgraded = await schema(engine)
            assert downgraded == before, (
                f"downgrading {step.revision} ({step.doc}) does not restore the schema before it "
                f"(+ left over, - gone):{changes(before, downgraded)}"
            )
            await upgrade(engine, step.revision)
            again = await schema(engine)
            assert again == upgraded, (
                f"{step.revision} ({step.doc}) upgrades to another schema the second time "
                f"(+ new, - gone):{changes(upgraded, again)}"
            )
        assert await version_rows(engine) == [steps[-1].revision]

        await downgrade(engine, "base")
        # Alembic keeps its version table (empty) at base; nothing else may be left over.
        nothing = schema_of_nothing(engine)
        at_base = await schema(engine)
        assert at_base == nothing, f"left over at base:{changes(nothing, at_base)}"
        assert await version_rows(engine) == []
    finally:
        await engine.dispose()


def _model_differences(connection: Connection) -> list[Any]:
    # env.py's options (an empty list: an autogenerated revision would be empty too), plus server
    # defaults, which env.py does not compare: a model's server_default that no migration
    # sets would otherwise go unseen by autogenerate as well.
    context = MigrationContext.configure(
        connection,
        opts={
            "target_metadata": Base.metadata,
            "compare_type": True,
            "compare_server_default": True,
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrations_build_what_the_models_describe(empty_url: str):
    engine = create_engine(empty_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(_model_differences)
    finally:
        await engine.dispose()
    assert differences == [], (
        "bot/db/models.py and the migrations disagree; a new migration "
        "(alembic revision --autogenerate) or a model fix is due:\n" + pformat(differences)
    )


async def test_the_migrations_build_what_create_all_builds(empty_url: str, other_empty_url: str):
    # compare_metadata above does not look at CHECK constraints (the enums' allowed values) and
    # a few other details; the inspected schema of both databases covers those.
    migrated, created = create_engine(empty_url), create_engine(other_empty_url)
    try:
        await migrate.upgrade(migrated)
        async with created.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        from_migrations, from_models = await schema(migrated), await schema(created)
    finally:
        await migrated.dispose()
        await created.dispose()
    assert from_migrations == from_models, (
        "the migrations build another schema than bot/db/models.py describes "
        f"(+ only the migrations, - only the models):{changes(from_models, from_migrations)}"
    )
