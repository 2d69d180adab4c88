"""Two bot processes in webhook mode on one PostgreSQL, behind the test's own router."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.db.models import Delivery, ProcessedUpdate, SetLog
from bot.sandbox.double import BotApiDouble
from bot.sandbox.webhook_cluster import WebhookInstance, WebhookRouter
from content import library
from tests.e2e.helpers import WEBHOOK_SECRET as SECRET
from tests.e2e.helpers import load_due_people, webhook_settings

T = library().texts
DESK = library().routine("desk")
# The real ceiling is 30/s; scaled up tenfold (double, rate limiter and reminder share alike)
# so 1,000 reminders take seconds, while the same mechanism keeps the sum under the limit.
CEILING = 300
REMINDERS = 1000


@pytest.fixture
async def cluster(database_url: str) -> AsyncIterator[tuple[BotApiDouble, list[WebhookInstance]]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL; SQLite is the one-process setup")
    settings = webhook_settings(
        database_url,
        telegram_max_rate=CEILING,
        reminder_rate=CEILING * 2 / 3,
        sweep_interval_seconds=0.2,
    )
    async with BotApiDouble(token="424242:" + "A" * 35) as double:
        double.enforce_limits(per_second=CEILING, per_chat_per_second=1)
        instances = [WebhookInstance(settings, double, reminders=True) for _ in range(2)]
        for instance in instances:
            await instance.start()
        try:
            yield double, instances
        finally:
            for instance in instances:
                await instance.stop()


async def count(db, model) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_one_persons_updates_spread_across_both_are_each_handled_once(cluster, db) -> None:
    double, instances = cluster
    router = WebhookRouter(double, instances, SECRET)  # round robin: every other update
    ada = double.user(1, "Ada")
    try:
        await ada.send("/routine")
        await router.pump()
        await ada.press(f"{DESK.title} · {DESK.minutes} min")
        await router.pump()
        # The first routine: the one-time hip question first; No starts it.
        await ada.press(T.btn_screening_no)
        await router.pump()
        for _ in range(2 * len(DESK.exercises)):
            done = next(b for b in ada.last_bot_message.button_texts if b.startswith("✅ Done"))
            await ada.press(done)
            await router.pump()
    finally:
        await router.close()
    assert ada.last_bot_message.text.startswith(f"🎉 {DESK.title}: done!")
    served = Counter(url for _, url, _ in router.deliveries)
    assert len(served) == 2 and min(served.values()) >= 4, "both processes took part"
    assert all(status == 200 for *_, status in router.deliveries), "each delivered once"
    assert await count(db, ProcessedUpdate) == len(router.deliveries)
    assert await count(db, SetLog) == 2 * len(DESK.exercises)


async def test_reminders_for_a_thousand_people_sent_once_under_the_shared_limit(
    cluster, db
) -> None:
    double, _ = cluster
    await load_due_people(db, double, 10_000, REMINDERS)

    def sent() -> int:
        return sum(1 for c in double.calls if c.method == "sendMessage" and c.status == 200)

    await double.wait_until(lambda: sent() >= REMINDERS, timeout=60, what="1,000 reminders")
    for _ in range(200):  # the last outcomes are being recorded
        async with db() as session:
            busy = await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status != "sent")
            )
        if not busy:
            break
        await asyncio.sleep(0.05)
    async with db() as session:
        rows = (await session.execute(select(Delivery.person_id, Delivery.status))).all()
        workers = (
            await session.execute(select(func.count(func.distinct(Delivery.claimed_by))))
        ).scalar()
    assert len(rows) == REMINDERS and {status for _, status in rows} == {"sent"}
    assert len({person for person, _ in rows}) == REMINDERS, "once each"
    assert workers == 2, "both processes sent"
    sends = sorted(c.at for c in double.calls if c.method == "sendMessage")
    assert len(sends) == REMINDERS and double.throttled == 0, "no 429: the sum stayed under"
    busiest = max(
        sum(1 for t in sends[i : i + CEILING + 1] if t - start < 1.0)
        for i, start in enumerate(sends)
    )
    assert busiest <= CEILING, f"{busiest} sends in one second"
    for chat in (10_000, 10_000 + REMINDERS - 1):
        assert [m.text[:20] for m in double.chat(chat)] == [T.reminder_text[:20]]
