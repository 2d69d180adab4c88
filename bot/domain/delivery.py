"""What a scheduled message is, and what became of it: the words the delivery rows use."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta


class DeliveryKind(enum.StrEnum):
    """Which scheduled message a delivery row is."""

    DAILY = "daily"  # the day's reminder (seq counts its snoozes)
    WEEKLY = "weekly"  # last week's summary


class DeliveryStatus(enum.StrEnum):
    """What became of a delivery; every claimed reminder ends in one of these."""

    CLAIMED = "claimed"  # taken by a sweep, not yet handed to Telegram
    SENDING = "sending"  # handed to Telegram; a crash now leaves it unknown, never resent
    SENT = "sent"
    SNOOZED = "snoozed"  # sent, and the person asked for it again later
    DISMISSED = "dismissed"  # sent, and the person said not today
    BLOCKED = "blocked"  # Telegram said the person blocked the bot: reminders off
    FAILED = "failed"  # Telegram refused it, or it could not be prepared (reason in detail)
    UNKNOWN = "unknown"  # timed out or the process stopped mid-send: may have arrived
    SKIPPED_LATE = "late"  # came due while the bot was down for longer than the grace
    SKIPPED_DONE = "done"  # the person had already trained that local day
    SKIPPED_TEAM = "team"  # a team of theirs got its break post within the hour
    EXPIRED = "expired"  # a claim left by a stopped process, found after the grace


def stale_claim_outcome(
    status: DeliveryStatus, due_at: datetime, now: datetime, grace: timedelta
) -> tuple[DeliveryStatus, str] | None:
    """Return what a claim left by a stopped process becomes, or None: send it now.

    Handed to Telegram already, it may have arrived: unknown, never resent. Found after the
    grace, it is too late to be useful: expired. The same rule for reminders and team posts.
    """
    if status == DeliveryStatus.SENDING:
        return DeliveryStatus.UNKNOWN, "the process stopped while sending; it may have arrived"
    if now - due_at > grace:
        return DeliveryStatus.EXPIRED, "claimed by a process that stopped; found too late to send"
    return None


def too_late(due: datetime, day: date, today: date, now: datetime, grace: timedelta) -> bool:
    """Return whether a message due for a local day is skipped: past the grace or the day."""
    return now - due > grace or today != day
