"""Paid broadcasts: the sends above the free rate, for a bot with a Stars budget.

A send takes a free slot when the reminders' grid has one now; otherwise, while today's
budget lasts, a slot on the paid grid, and goes out with allow_paid_broadcast (Telegram's
1,000 a second, 0.1 Star each; PTB's AIORateLimiter keeps those under their own limit).
Budget is reserved in the database a chunk at a time (bot/services/paid_broadcast.py) and what
was not used goes back at the end of the sweep, so all processes together keep to the cap.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

from bot.flood import FloodWatch
from bot.services.paid_broadcast import PaidBroadcastBudget
from handlers.send_grid import SendGrid

# Telegram allows 1,000 paid messages a second; leave room for clock jitter and the free ones.
PAID_RATE = 900.0
CHUNK = 100  # messages reserved from the database at a time
DRY_PAUSE = 30.0  # seconds before asking again once the day's budget is spent


class PaidLane:
    """Hold this process's share of the paid rate, and the budget it reserved."""

    def __init__(
        self, budget: PaidBroadcastBudget, flood: FloodWatch, rate: float = PAID_RATE
    ) -> None:
        self.budget = budget
        self.total = rate
        self._flood = flood
        self.grid = SendGrid(rate, flood)
        self._held = 0
        self._day: date | None = None
        self._dry_until = 0.0
        self._lock = asyncio.Lock()

    def share(self, senders: int) -> None:
        """Split the paid rate between the live sending processes."""
        self.grid = SendGrid(self.total / max(1, senders), self._flood)

    async def take(self) -> bool:
        """Take one paid message from the budget (reserving a chunk when none is held)."""
        async with self._lock:
            if self._held and self._day != self.budget.today():
                await self._give_back()  # a new UTC day: yesterday's reservation goes back
            if not self._held:
                if time.monotonic() < self._dry_until:
                    return False
                self._day, self._held = await self.budget.reserve(CHUNK)
                if not self._held:
                    self._dry_until = time.monotonic() + DRY_PAUSE
                    return False
            self._held -= 1
            return True

    def unused(self) -> None:
        """Put back a message taken for a send that did not go out (it costs nothing)."""
        self._held += 1

    async def settle(self) -> None:
        """Give back what this process holds (the end of a sweep): nothing sits reserved."""
        async with self._lock:
            await self._give_back()

    async def _give_back(self) -> None:
        if self._held and self._day is not None:
            await self.budget.give_back(self._day, self._held)
        self._held = 0
