"""Send times on an even grid, so no second holds a burst (the reminders' and paid lanes)."""

from __future__ import annotations

import asyncio
import math

from bot.flood import FloodWatch


class SendGrid:
    """Hands out send times on a fixed grid 1/rate apart, one caller at a time (FIFO).

    Not aiolimiter: its buckets count from each wake-up, so every late wake-up (a busy event
    loop) is lost for good and the rate sags a few percent below the setting; a deeper bucket
    would make up for it with bursts. Here a wake-up that runs a little late keeps the grid
    (the next send comes a little sooner); one later than half a slot (idle, a stall, a 429
    wait) starts the grid afresh a full slot after the last send. So no one-second window
    holds more than the rate plus a half, rounded up.

    After a 429 wait the grid leaves a slot free for each send Telegram refused, and one more:
    PTB's rate limiter retries those the moment the wait ends, together with any call it held
    meanwhile. Starting the grid at full rate beside them put more than the limit into the
    next second, which drew the next 429, and so on every two seconds (a slow machine's first
    429 kept recurring for minutes: bench/RESULTS.md, reminder fan-out).
    """

    def __init__(self, rate: float, flood: FloodWatch) -> None:
        self.interval = 1 / rate
        self._flood = flood
        self._next = 0.0
        self._last = -math.inf
        self._turn = asyncio.Lock()
        self._refusals_seen = flood.seen  # the 429s already made room for

    def ready_in(self) -> float:
        """Return how long the next caller would wait for its slot (0: a slot is free now)."""
        if self._turn.locked():
            return self.interval  # someone is waiting already: at least a slot away
        now = asyncio.get_running_loop().time()
        return max(0.0, self._slot(now) - now)

    def _slot(self, now: float) -> float:
        """Return the next slot for a caller arriving now (the grid's one rule)."""
        slot = self._next
        if slot < now - self.interval / 2:
            slot = max(now, self._last + self.interval)
        refused = self._flood.seen - self._refusals_seen
        # The retries went out when the wait ended: in this second, or long before.
        if refused and self._flood.ended_ago() < 1:
            slot = max(slot, now) + (refused + 1) * self.interval
        return slot

    async def wait(self) -> None:
        """Return at this caller's slot."""
        async with self._turn:
            loop = asyncio.get_running_loop()
            # Telegram asked for a pause: the rate limiter holds every call until it ends;
            # sending into it would only queue up a burst for the moment it ends. (A loop, as a
            # 429 seen meanwhile extends the wait.)
            while (pause := self._flood.wait_time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(pause)
            now = loop.time()
            self._next = self._slot(now)
            self._refusals_seen = self._flood.seen
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._last = loop.time()
            self._next += self.interval
