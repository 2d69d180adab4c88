"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, and a fake clock."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.logs import make_formatter
from bot.media.catalog import MediaCatalog, render_missing
from content import Library, library

# Where the PostgreSQL tests create their databases (trust auth on this machine and in CI).
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))
_pg_state: dict[str, str | None] = {}


def _pg_dsn(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _make_template(name: str) -> None:
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    await _pg_admin(f'CREATE DATABASE "{name}"')
    engine = create_engine("postgresql+asyncpg://" + _pg_dsn(name).removeprefix("postgresql://"))
    await migrate.upgrade(engine)
    await engine.dispose()


def _pg_template() -> str:
    """Create (once per test process) a migrated template database; skip or fail if no server."""
    if "template" not in _pg_state:
        name = f"mc_template_{os.getpid()}"
        try:
            asyncio.run(_make_template(name))
            _pg_state["template"] = name
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            _pg_state["template"] = None
            _pg_state["error"] = f"{type(error).__name__}: {error}"
    template = _pg_state["template"]
    if template is None:
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL} ({_pg_state['error']})"
        if IN_CI:
            pytest.fail(f"{reason}; in CI the PostgreSQL tests must run")
        pytest.skip(f"{reason}: PostgreSQL tests skipped")
    return template


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the template database this process created."""
    template = _pg_state.get("template")
    if template:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{template}"'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """Yield the URL of an empty, migrated-on-first-use database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/coach.db"
        return
    template = _pg_template()
    name = f"mc_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield "postgresql+asyncpg://" + _pg_dsn(name).removeprefix("postgresql://")
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Yield a migrated engine on the test's database."""
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a session factory on the test's database."""
    return create_sessionmaker(engine)


@pytest.fixture(scope="session")
def rendered_media() -> Path:
    """Render every exercise picture into the shared cache once (two worker processes).

    Under pytest-xdist each worker asks: the first renders while the others wait on the lock
    file, then find everything there.
    """
    directory = Path(os.environ["MEDIA_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".render.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        render_missing(MediaCatalog(library(), directory), workers=2)
    return directory


@pytest.fixture
def lib() -> Library:
    """Return the bundled content library."""
    return library()


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock at Monday 2 March 2026, 08:00 UTC."""
    return FakeClock()


# --- Every log line, checked for secrets after each test (no_secret_in_the_logs) ---

# Every token and secret the tests hand to the bot.
TEST_SECRETS = ("123456:TEST-token", "424242:" + "A" * 35, "s3cret-Webhook_token-for-the-tests")


class LogCapture(logging.Handler):
    """Keep every record of the run, raw and as the production formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.production = make_formatter("text", TEST_SECRETS)
        self.raw_formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        self.raw: list[str] = []
        self.written: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.raw.append(self.raw_formatter.format(record))
            self.written.append(self.production.format(record))
        except Exception:  # a record that cannot be formatted must not break the run
            self.handleError(record)


LOG_CAPTURE = LogCapture()


# The exercise animations are rendered once into a cache the whole suite shares (and that a
# second run on the same checkout finds ready): every bot a test starts reads MEDIA_DIR.
MEDIA_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "media"


def pytest_configure(config: pytest.Config) -> None:
    """Log as production does (INFO, the HTTP client quiet) and keep every line."""
    os.environ.setdefault("MEDIA_DIR", str(MEDIA_CACHE))
    root = logging.getLogger()
    root.addHandler(LOG_CAPTURE)
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def no_secret_in_the_logs() -> Iterator[None]:
    """Fail the test if anything it logged (its fixtures' teardown included) holds a secret."""
    raw_from, written_from = len(LOG_CAPTURE.raw), len(LOG_CAPTURE.written)
    yield
    raw, written = LOG_CAPTURE.raw[raw_from:], LOG_CAPTURE.written[written_from:]
    for secret in TEST_SECRETS:
        leaked = [line for line in written if secret in line]
        assert leaked == [], f"a secret reached the written logs: {leaked[:3]}"
        # Stronger: nothing even tried to log it (the formatter is the second line of defence).
        tried = [line for line in raw if secret in line]
        assert tried == [], f"something logged a secret (redacted on output): {tried[:3]}"
