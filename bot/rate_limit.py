"""The bot's rate limiter: PTB's AIORateLimiter, plus a pace per private chat.

PTB's limiter keeps the whole bot under Telegram's ~30 calls a second and each group under 20 a
minute, but lets one private chat take all 30: a person hammering a button (each press an edit)
would spend the budget everybody shares, and everybody's replies would queue behind theirs.
Here a private chat may burst PRIVATE_BURST calls (a person moving fast through a routine) and
is then held to PRIVATE_RATE a second, a sixth of the whole budget, waiting for its own turn
before it takes a place in the shared one; the rest stays free for everybody else.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]
# A private chat: a burst of PRIVATE_BURST calls, then PRIVATE_RATE a second.
PRIVATE_BURST = 10
PRIVATE_RATE = 5.0
# Forget idle chats' limiters once there are this many (as PTB does for groups).
KEEP_LIMITERS = 512


class FairRateLimiter(AIORateLimiter):
    """AIORateLimiter that also paces each private chat (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._private: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        """Return the chat's limiter, kept in order of last use (the oldest first)."""
        limiter = self._private.pop(chat_id, None)
        if limiter is None:
            limiter = AsyncLimiter(PRIVATE_BURST, PRIVATE_BURST / PRIVATE_RATE)
        self._private[chat_id] = limiter  # now the most recently used
        # Forget idle chats from the oldest end, while they are back at full capacity (they hold
        # nothing worth keeping): amortised O(1) a call, where a sweep over all of them on every
        # call stalled the event loop that paces a fan-out of reminders to thousands of chats.
        while len(self._private) > KEEP_LIMITERS:
            oldest = next(iter(self._private))
            if oldest == chat_id or not self._private[oldest].has_capacity(PRIVATE_BURST):
                break
            del self._private[oldest]
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for the private chat's turn (if the call goes to one), then PTB's limits."""
        chat_id = _private_chat(data)
        if chat_id is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        async with self._private_limiter(chat_id):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )


def _private_chat(data: dict[str, Any]) -> int | None:
    """Return the private chat a call goes to (positive ids are users' chats), if any."""
    if data.get("allow_paid_broadcast"):
        return None
    try:
        chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return chat_id if chat_id > 0 else None
