"""Who speaks which language, remembered for a minute: a press should not cost a query for it.

Keys are Telegram user ids (a person's language) and group chat ids (a team's). A change made
in this process is seen at once; one made in another process within a minute (the TTL).
"""

from __future__ import annotations

import time
from collections import OrderedDict

LANGUAGE_TTL = 60.0
MAX_ENTRIES = 50_000


class LanguageCache:
    """A small LRU of languages with a time to live."""

    def __init__(self, ttl: float = LANGUAGE_TTL, size: int = MAX_ENTRIES) -> None:
        self._ttl = ttl
        self._size = size
        self._seen: OrderedDict[int, tuple[str, float]] = OrderedDict()

    def get(self, key: int) -> str | None:
        """Return the remembered language, or None when there is none fresh."""
        found = self._seen.get(key)
        if found is None or time.monotonic() - found[1] > self._ttl:
            return None
        self._seen.move_to_end(key)
        return found[0]

    def put(self, key: int, language: str) -> None:
        """Remember a language (the least recently used entry goes when full)."""
        self._seen[key] = (language, time.monotonic())
        self._seen.move_to_end(key)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
