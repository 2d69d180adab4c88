"""A 429 in the middle of a reminder fan-out costs one wait, not a cascade of 429s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.config import Settings
from bot.db.models import Delivery, Person
from bot.sandbox.harness import Sandbox

# Telegram's 30/s scaled up fivefold (the double, the rate limiter and the reminders' share
# alike), so the fan-out takes seconds while the mechanism is the one that runs at 30/s.
CEILING = 150
PEOPLE = 400
FIRST = 20_000


@pytest.fixture
async def fanout(database_url: str) -> AsyncIterator[Sandbox]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        default_timezone="Europe/Berlin",
        telegram_timeout_seconds=2.0,
        telegram_max_rate=CEILING,
        reminder_rate=CEILING * 29 / 30,
        sweep_interval_seconds=0.2,
    )
    async with Sandbox(settings, reminders=True) as running:
        running.double.enforce_limits(per_second=CEILING, per_chat_per_second=1)
        yield running


async def test_a_429_mid_fanout_pauses_the_reminders_instead_of_bunching_them(
    fanout: Sandbox, db
) -> None:
    double = fanout.double
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    for i in range(PEOPLE):
        double.known_user(FIRST + i, f"P{i}")
    async with db.begin() as session:
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_id": FIRST + i,
                    "chat_id": FIRST + i,
                    "first_name": f"P{i}",
                    "timezone": "Europe/Berlin",
                    "created_at": now,
                    "updated_at": now,
                    "next_reminder_at": now - timedelta(seconds=1),
                    "next_reminder_day": today,
                }
                for i in range(PEOPLE)
            ],
        )

    def sent() -> int:
        return sum(1 for c in double.calls if c.method == "sendMessage" and c.status == 200)

    await double.wait_until(lambda: sent() >= PEOPLE // 4, timeout=30, what="a quarter sent")
    # Telegram asks for a second's pause (as it does when another bot shares the limit).
    double.fail_next("sendMessage", status=429, retry_after=1)
    await double.wait_until(lambda: sent() >= PEOPLE, timeout=60, what="every reminder")

    sends = [c for c in double.calls if c.method == "sendMessage"]
    assert double.throttled == 0, f"{double.throttled} sends beyond the limit after the pause"
    assert [c.status for c in sends].count(429) == 1, "only the injected 429"
    refused = next(c for c in sends if c.status == 429)
    # Sends already on their way when the 429 came back may arrive; nothing after them.
    during = [c for c in sends if c.status == 200 and 0 < c.at - refused.at < 1.0]
    assert len(during) <= 3, f"{len(during)} sends during the pause Telegram asked for"
    async with db() as session:
        rows = (await session.execute(select(Delivery.person_id, Delivery.status))).all()
    assert len({person for person, _ in rows}) == PEOPLE == len(rows), "each person once"
    for chat in (FIRST, FIRST + PEOPLE - 1):
        assert len([m for m in double.chat(chat) if m.from_bot]) == 1
