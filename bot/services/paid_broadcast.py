"""The daily Stars budget for paid broadcasts, a hard cap shared by every process.

Telegram lets a bot send up to 1,000 messages a second with allow_paid_broadcast, for 0.1
Star each. With PAID_BROADCAST_STARS_PER_DAY=N, reminders above the free rate may go out that
way, at most 10 x N messages per UTC day in all: each process reserves a few at a time in the
database and gives back what it did not send, so the day's count never passes the cap.
"""

from __future__ import annotations

from datetime import date

from bot.db.unit_of_work import UnitOfWorkFactory
from bot.services.clock import Clock

MESSAGES_PER_STAR = 10  # 0.1 Star a message


class PaidBroadcastBudget:
    """Reserve and give back paid messages of the current UTC day."""

    def __init__(self, units: UnitOfWorkFactory, clock: Clock, stars_per_day: int) -> None:
        self._units = units
        self._clock = clock
        self.cap = stars_per_day * MESSAGES_PER_STAR

    def today(self) -> date:
        """Return the UTC day the budget counts."""
        return self._clock().date()

    async def reserve(self, wanted: int) -> tuple[date, int]:
        """Reserve up to `wanted` of today's messages; return the day and how many."""
        day = self.today()
        async with self._units() as uow:
            granted = await uow.paid.reserve(day, wanted, self.cap)
            await uow.commit()
        return day, granted

    async def give_back(self, day: date, count: int) -> None:
        """Return reserved messages that were not sent (on the day they were reserved for)."""
        if count <= 0:
            return
        async with self._units() as uow:
            await uow.paid.give_back(day, count)
            await uow.commit()

    async def spent(self, day: date | None = None) -> tuple[int, float]:
        """Return the messages and Stars a day's paid broadcasts took (today by default)."""
        async with self._units() as uow:
            used = await uow.paid.used(day or self.today())
        return used, used / MESSAGES_PER_STAR
