"""Turn stored set rows into the domain's records."""

from __future__ import annotations

from bot.db.models import SetLog
from bot.domain.run import SetRecord, SetStatus, Side


def set_record(log: SetLog) -> SetRecord:
    """Return the domain record of a logged set."""
    side: Side | None = "left" if log.side == "left" else "right" if log.side == "right" else None
    return SetRecord(
        log.step_index, log.exercise_id, side, log.level, SetStatus(log.status), log.reps
    )
