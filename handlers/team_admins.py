"""Who is an admin of which group: Telegram's answer, trusted for a minute."""

from __future__ import annotations

import time

ADMIN_TTL = 60.0  # seconds an admin check is trusted


class AdminCache:
    """Who is an admin of which group, as getChatMember said within the last minute."""

    def __init__(self, ttl: float = ADMIN_TTL) -> None:
        self._ttl = ttl
        self._seen: dict[tuple[int, int], tuple[bool, float]] = {}

    def get(self, chat_id: int, user_id: int) -> bool | None:
        """Return the remembered answer, or None when there is none fresh."""
        found = self._seen.get((chat_id, user_id))
        if found is None or time.monotonic() - found[1] > self._ttl:
            return None
        return found[0]

    def put(self, chat_id: int, user_id: int, admin: bool) -> None:
        """Remember an answer (the cache forgets stale entries when it grows)."""
        now = time.monotonic()
        if len(self._seen) > 10_000:
            self._seen = {k: v for k, v in self._seen.items() if now - v[1] <= self._ttl}
        self._seen[(chat_id, user_id)] = (admin, now)
