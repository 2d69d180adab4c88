"""The clock services read, injected so tests can travel through time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
