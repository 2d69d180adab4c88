"""How often a group gets the "coaching is private" pointer: rarely, so it is never spam.

A busy group sends many commands; the pointer is posted at most once per NOTICE_INTERVAL per
group (Telegram allows a bot about 20 messages a minute in a group, and a group flood must
not spend them).
"""

from __future__ import annotations

import time

NOTICE_INTERVAL = 300.0  # seconds


class GroupNotices:
    """When each group last got the pointer (this process's memory; a restart only repeats it)."""

    def __init__(self, interval: float = NOTICE_INTERVAL) -> None:
        self._interval = interval
        self._last: dict[int, float] = {}

    def take(self, chat_id: int) -> bool:
        """Return whether the group may get the pointer now, and note that it did."""
        now = time.monotonic()
        last = self._last.get(chat_id)
        if last is not None and now - last < self._interval:
            return False
        if len(self._last) > 10_000:  # forget old groups so the dict stays small
            self._last = {k: v for k, v in self._last.items() if now - v < self._interval}
        self._last[chat_id] = now
        return True
