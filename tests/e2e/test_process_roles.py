"""`mobility-coach run --reminders-only`: a process that sends reminders and takes no updates."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Delivery, Person
from bot.db.unit_of_work import units
from bot.sandbox.double import BotApiDouble
from bot.services.clock import system_clock
from bot.services.people import PeopleService, PersonRef

TOKEN = "424242:" + "A" * 35


async def test_reminders_only_process_sends_due_reminders_without_polling(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/coach.db"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    await PeopleService(units(sessions), system_clock, "Europe/Berlin").register(
        PersonRef(77, 77, "Ada")
    )
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await session.execute(
            update(Person).values(
                next_reminder_at=now - timedelta(minutes=1),
                next_reminder_day=now.astimezone(ZoneInfo("Europe/Berlin")).date(),
            )
        )
    async with BotApiDouble(token=TOKEN) as double:
        ada = double.user(77, "Ada")
        await ada.send("hello")  # the chat exists on Telegram's side
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=double.base_url,
            TELEGRAM_BASE_FILE_URL=double.base_file_url,
            DATABASE_URL=url,
            SWEEP_INTERVAL_SECONDS="0.3",
            DEFAULT_TIMEZONE="Europe/Berlin",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--reminders-only",
            cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await double.wait_until(
                lambda: any(m.text.startswith("⏰") for m in ada.bot_messages),
                timeout=30,
                what="a reminder",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()
        assert double.count("getUpdates") == 0, "this process takes no updates"
        assert TOKEN not in stderr.decode(), "the token never reaches the logs"
    async with sessions() as session:
        [delivery] = (await session.scalars(select(Delivery))).all()
    assert delivery.status == "sent"
    await engine.dispose()
