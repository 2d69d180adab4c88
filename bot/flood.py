"""What Telegram last said about flooding: until when it asked the bot to hold its sends."""

from __future__ import annotations

import json
import time


class FloodWatch:
    """Remembers the end of the latest 'too many requests' wait, on the monotonic clock.

    python-telegram-bot's rate limiter holds every call until then and retries; whoever paces
    a stream of sends (the reminders) must hold too, or its sends pile up behind the limiter
    and go out together the moment it lets go, which draws the next 429.
    """

    def __init__(self) -> None:
        self.until = 0.0
        self.seen = 0

    def saw(self, retry_after: float) -> None:
        """Record a 429 that asked for `retry_after` seconds (plus PTB's 0.1 s margin)."""
        self.seen += 1
        self.until = max(self.until, time.monotonic() + retry_after + 0.1)

    def wait_time(self) -> float:
        """Return how many seconds are left of the wait (0 when sends may go)."""
        return max(0.0, self.until - time.monotonic())

    def ended_ago(self) -> float:
        """Return how many seconds ago the latest wait ended (negative while it lasts)."""
        return time.monotonic() - self.until


def retry_after_of(body: bytes) -> float:
    """Read retry_after from a Bot API error body; 1 s when it says nothing usable."""
    try:
        value = json.loads(body).get("parameters", {}).get("retry_after", 1)
        return max(0.0, float(value))
    except (ValueError, TypeError, AttributeError):
        return 1.0
