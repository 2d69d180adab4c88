"""End-to-end fixtures: the real Application polling the loopback Bot API double."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.sandbox.harness import Sandbox
from tests.conftest import FakeClock


def make_settings(database_url: str) -> Settings:
    """Return settings for a test bot, ignoring any .env of the developer."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        default_timezone="Europe/Berlin",
        # Short, so the tests that time a call out do not wait long.
        telegram_timeout_seconds=2.0,
    )


@pytest.fixture(autouse=True, scope="session")
def _media_ready(rendered_media: Path) -> Path:
    """Have every exercise animation rendered before the first bot starts (once a session)."""
    return rendered_media


@pytest.fixture
async def sandbox(database_url: str) -> AsyncIterator[Sandbox]:
    """Yield a running bot on a fresh database, talking to a fresh double."""
    async with Sandbox(make_settings(database_url)) as running:
        yield running


@pytest.fixture
async def timed(database_url: str, clock: FakeClock) -> AsyncIterator[Sandbox]:
    """Yield a bot whose services read the fake clock; the sweep is driven by the test."""
    async with Sandbox(make_settings(database_url), clock=clock) as running:
        yield running


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Yield a session factory on the bot's database, for checking rows."""
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()
