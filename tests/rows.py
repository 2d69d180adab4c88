"""Rows tests insert directly: history that would take many taps through the chat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.run import RunStatus


def finished_run(person_id: int, day: date, *, chat_id: int = 1, sets: int = 6) -> dict[str, Any]:
    """Return the columns of a desk routine finished at 10:00 UTC on a local day (it counts)."""
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
    return {
        "person_id": person_id,
        "routine_id": "desk",
        "plan": "",
        "status": RunStatus.FINISHED,
        "step_index": sets,
        "version": sets,
        "chat_id": chat_id,
        "timezone": "Europe/Berlin",
        "started_at": at,
        "step_started_at": at,
        "finished_at": at,
        "local_date": day,
        "sets_done": sets,
    }
