"""Paid broadcasts through the double: above the free rate, within the day's Stars."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Delivery, PaidBroadcastDay
from bot.db.unit_of_work import units
from bot.sandbox.harness import Sandbox
from bot.services.clock import system_clock
from bot.services.paid_broadcast import PaidBroadcastBudget
from handlers.paid_lane import PaidLane
from handlers.reminders import ReminderPace, send_due
from tests.e2e.helpers import load_due_people

FIRST = 8_100_000


async def test_reminders_beyond_the_free_rate_go_paid_within_the_budget(
    sandbox: Sandbox, db, database_url: str
) -> None:
    double = sandbox.double
    double.enforce_limits(per_second=30, per_chat_per_second=1, paid_per_second=1000)
    await load_due_people(db, double, FIRST, 120)
    engine = create_engine(database_url)
    try:
        budget = PaidBroadcastBudget(units(create_sessionmaker(engine)), system_clock, 4)
        pace = ReminderPace(
            20,
            10,
            flood=sandbox.app.bot_data.flood,
            paid=PaidLane(budget, sandbox.app.bot_data.flood),
        )
        assert pace.batch == ((20 + 900) * 10)
        assert await send_due(sandbox.app.bot, sandbox.services, pace) == 120
        await pace.paid.settle()  # type: ignore[union-attr]
        assert double.throttled == 0
        # 4 Stars buy 40 messages; the rest waited for free slots.
        assert (double.paid_messages, double.stars_spent) == (40, 4.0)
        sent = Counter(
            int(record.params["chat_id"])
            for record in double.calls
            if record.method == "sendMessage" and record.status == 200
        )
        assert len(sent) == 120 and set(sent.values()) == {1}, "each once"
        async with db() as session:
            used = await session.scalar(select(PaidBroadcastDay.messages))
            statuses = Counter((await session.scalars(select(Delivery.status))).all())
        assert used == 40, "the day's count is what was paid for, nothing held back"
        assert statuses == {"sent": 120}
    finally:
        await engine.dispose()
