"""A reminder fan-out meets a 429 or a stop: one wait, not a cascade; a prompt stop, no loss."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db.models import Delivery
from bot.sandbox.harness import Sandbox
from tests.e2e.helpers import load_due_people

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
    await load_due_people(db, double, FIRST, PEOPLE)

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
    # Sends already on their way when the 429 came back may still arrive right after it;
    # nothing that set out later, until the second Telegram asked for is over.
    late = [c.at - refused.at for c in sends if c.status == 200 and 0.25 < c.at - refused.at < 1]
    assert not late, f"{len(late)} sends set out during the pause Telegram asked for"
    async with db() as session:
        rows = (await session.execute(select(Delivery.person_id, Delivery.status))).all()
    assert len({person for person, _ in rows}) == PEOPLE == len(rows), "each person once"
    for chat in (FIRST, FIRST + PEOPLE - 1):
        assert len([m for m in double.chat(chat) if m.from_bot]) == 1


async def test_stopping_mid_fanout_is_prompt_and_the_rest_are_sent_after_restart(
    fanout: Sandbox, db
) -> None:
    double = fanout.double
    people = 1500  # ten seconds of sends at this pace
    await load_due_people(db, double, FIRST, people)

    def sent() -> int:
        return sum(1 for c in double.calls if c.method == "sendMessage" and c.status == 200)

    await double.wait_until(lambda: sent() >= 200, timeout=30, what="the fan-out under way")
    loop = asyncio.get_running_loop()
    began = loop.time()
    await fanout.stop_bot()
    assert loop.time() - began < 5, "the stop waited for the backlog"
    stopped_at = sent()
    assert stopped_at < people
    async with db() as session:
        statuses = dict(
            (await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)))
            .tuples()
            .all()
        )
    assert statuses == {"sent": stopped_at}, "unsent claims were given back, none left hanging"

    await fanout.restart()
    await double.wait_until(lambda: sent() >= people, timeout=60, what="the rest")
    per_chat = Counter(
        int(c.params["chat_id"])
        for c in double.calls
        if c.method == "sendMessage" and c.status == 200
    )
    assert len(per_chat) == people and set(per_chat.values()) == {1}, "each person once"
