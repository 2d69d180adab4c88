"""The paid broadcasts' Stars budget: a hard cap per UTC day, shared by processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.unit_of_work import units
from bot.services.paid_broadcast import PaidBroadcastBudget
from tests.conftest import FakeClock

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def test_two_processes_never_reserve_past_the_cap(database_url, sessions) -> None:
    clock = FakeClock(NOON)
    engines = [create_engine(database_url) for _ in range(2)]
    budgets = [
        PaidBroadcastBudget(units(create_sessionmaker(engine)), clock, stars_per_day=50)
        for engine in engines
    ]  # 500 messages a day
    granted: list[int] = []

    async def drain(budget: PaidBroadcastBudget) -> None:
        while True:
            _, got = await budget.reserve(7)
            if not got:
                return
            granted.append(got)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(drain(budget) for budget in budgets))
        assert sum(granted) == 500 and max(granted) <= 7
        assert await budgets[0].spent() == (500, 50.0)
        # What a process did not send goes back, and may be reserved again.
        await budgets[1].give_back(NOON.date(), 20)
        assert await budgets[0].reserve(100) == (NOON.date(), 20)
        assert await budgets[1].reserve(1) == (NOON.date(), 0)
        # A new UTC day has a budget of its own.
        clock.now = NOON + timedelta(days=1)
        assert await budgets[1].reserve(600) == (clock.now.date(), 500)
        assert (await budgets[0].spent(NOON.date()))[0] == 500
    finally:
        for engine in engines:
            await engine.dispose()
