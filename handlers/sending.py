"""One scheduled send (a reminder, a team post) and the record of what became of it.

The rule, written once: a 403 means the chat is closed to us, a 429 left after the rate
limiter's retries gives the claim back (nothing was sent), a time-out or a dropped connection
is recorded as unknown and never resent (a second copy is worse than a missing one), and any
other refusal is recorded as failed with Telegram's words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

# Outcomes in which Telegram surely delivered nothing (a time-out may have arrived).
NOT_SENT = frozenset({"blocked", "released", "failed", "moved"})


class SendRecords(Protocol):
    """The service that keeps a scheduled message's row (reminders, team posts)."""

    async def mark_sent(self, row_id: int, message_id: int) -> None:
        """Record a message that reached the chat."""

    async def mark_unknown(self, row_id: int, detail: str) -> None:
        """Record a send whose fate is unknown."""

    async def mark_failed(self, row_id: int, detail: str) -> None:
        """Record a send Telegram refused."""

    async def release(self, row_id: int, wait: timedelta) -> None:
        """Give a claim back: nothing was sent, try again after the wait."""


def retry_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait, in seconds (PTB gives an int or a timedelta)."""
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


async def send_recorded(
    send: Callable[[], Awaitable[int]],
    records: SendRecords,
    row_id: int,
    *,
    closed: Callable[[], Awaitable[None]],
    moved: Callable[[int], Awaitable[None]] | None = None,
) -> str:
    """Send once and record the outcome; return it ("sent", "blocked", "released", ...).

    send returns the sent message's id.

    closed: what a 403 does (the person blocked the bot, the bot left the group). moved: what
    a group upgraded to a supergroup does before the claim is given back (nothing was sent).
    """
    try:
        message_id = await send()
    except ChatMigrated as error:
        if moved is None:
            await records.mark_failed(row_id, f"chat migrated to {error.new_chat_id}")
            return "failed"
        await moved(error.new_chat_id)
        await records.release(row_id, timedelta(0))
        return "moved"
    except Forbidden:
        await closed()
        return "blocked"
    except RetryAfter as error:
        await records.release(row_id, timedelta(seconds=max(1.0, retry_seconds(error))))
        return "released"
    except TimedOut as error:
        await records.mark_unknown(row_id, f"timed out: {error}")
        return "unknown"
    except BadRequest as error:
        await records.mark_failed(row_id, error.message)
        return "failed"
    except NetworkError as error:
        await records.mark_unknown(row_id, f"network: {error}")
        return "unknown"
    await records.mark_sent(row_id, message_id)
    return "sent"
