"""Fault-suite fixtures: settings for a bot under faults, and the log the bot leaves behind."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings

# What the bot's error handler says about an exception no handler dealt with.
UNHANDLED = "error while handling an update"


def fault_settings(database_url: str, *, timeout: float = 2.0) -> Settings:
    """Settings for a test bot (no .env), with Bot API calls timing out after ``timeout`` s."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        default_timezone="Europe/Berlin",
        telegram_timeout_seconds=timeout,
    )


class LogRecorder(logging.Handler):
    """Keeps every record at WARNING and above, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def errors(self) -> list[str]:
        """Records at ERROR or above, formatted with their exception for a readable failure."""
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return [formatter.format(r) for r in self.records if r.levelno >= logging.ERROR]

    def assert_no_errors(self) -> None:
        """Fail with the first few errors (tracebacks included) if any was logged."""
        errors = self.errors()
        assert not errors, f"{len(errors)} error(s) logged; the first:\n" + "\n\n".join(errors[:3])


@pytest.fixture(autouse=True, scope="session")
def _media_ready(rendered_media: Path) -> Path:
    """Have every exercise animation rendered before the first bot starts (once a session)."""
    return rendered_media


@pytest.fixture
def bot_log() -> Iterator[LogRecorder]:
    """Record what the bot (and PTB) log at WARNING and above while the test runs."""
    recorder = LogRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
