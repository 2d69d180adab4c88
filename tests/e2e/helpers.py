"""Helpers shared by the reminder and settings end-to-end tests."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.models import Delivery, Person
from bot.sandbox.double import BotApiDouble, CallbackAnswer
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import library
from handlers.reminders import ReminderPace, send_due

T = library().texts
REMINDER = "⏰ Time for your hips"


async def sweep(sandbox: Sandbox) -> int:
    # A fast pace (made in this event loop): tests do not wait on the reminders' share.
    return await send_due(sandbox.app.bot, sandbox.services, ReminderPace(1000, 1))


def reminders_in(person: SandboxPerson) -> list[str]:
    return [m.text for m in person.raw.bot_messages if m.text.startswith(REMINDER)]


async def deliveries(db: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with db() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def person_row(db: async_sessionmaker[AsyncSession], telegram_id: int) -> Person:
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
        return person


async def join(
    sandbox: Sandbox, user_id: int, zone: str, at: str, every_day: bool
) -> SandboxPerson:
    person = sandbox.person(user_id, f"P{user_id}")
    await person.send("/start")
    await person.send(f"/timezone {zone}")
    await person.send(f"/remind {at}")
    if every_day:
        await person.send("/settings")
        await person.press(T.btn_set_days)
        await person.press(T.btn_every_day)
    return person


WEBHOOK_SECRET = "s3cret-Webhook_token-for-the-tests"  # 32+ characters, as config requires


def webhook_settings(database_url: str, **extra: object) -> Settings:
    """Return settings for a bot process in webhook mode behind the test's router."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        default_timezone="Europe/Berlin",
        telegram_timeout_seconds=2.0,
        webhook_url="https://coach.example.test/telegram",
        webhook_secret_token=WEBHOOK_SECRET,
        **extra,
    )


async def load_due_people(
    db: async_sessionmaker[AsyncSession], double: BotApiDouble, first_id: int, count: int
) -> None:
    """Insert `count` people (Europe/Berlin) whose reminder came due a second ago."""
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    for i in range(count):
        double.known_user(first_id + i, f"P{i}")
    async with db.begin() as session:
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_id": first_id + i,
                    "chat_id": first_id + i,
                    "first_name": f"P{i}",
                    "timezone": "Europe/Berlin",
                    "created_at": now,
                    "updated_at": now,
                    "next_reminder_at": now - timedelta(seconds=1),
                    "next_reminder_day": today,
                }
                for i in range(count)
            ],
        )


async def start_routine(person: SandboxPerson, label: str) -> CallbackAnswer:
    """Press a routine's start button and, the first time, answer the screening with No.

    Before the first routine the coach asks about hip surgery and hip pain once; a No starts
    the routine that was asked for (the toast says so), as the tap alone does afterwards.
    """
    answer = await person.press(label)
    if person.last.html == T.screening_question:
        answer = await person.press(T.btn_screening_no)
    return answer


# The first daily reminder a person gets repeats the safety note, as the text reads it.
FIRST_REMINDER_SAFETY = "\n\n" + T.first_run_safety.replace("<b>", "").replace("</b>", "").format(
    safety=library().guide.safety
)


async def cleared(person: SandboxPerson) -> None:
    """Register the person and answer the one-time hip question with No from /settings."""
    await person.send("/start")
    await person.send("/settings")
    await person.press(T.btn_set_screening)
    await person.press(T.btn_screening_no)


def free_ports(count: int = 1) -> list[int]:
    """Return ports on 127.0.0.1 that are free now, for processes a test starts.

    Chosen below the kernel's ephemeral range, not by binding port 0: the kernel hands out
    ephemeral ports to every outgoing connection, and one of the other tests' connections could
    take the port between this probe and the process binding it (a CI failure, exit 3 then).
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    ports: list[int] = []
    while len(ports) < count:
        port = random.randrange(max(1024, low - 12_000), low)
        if port in ports:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use: another one
        ports.append(port)
    return ports


def free_port() -> int:
    """Return one free port on 127.0.0.1 (see free_ports)."""
    return free_ports(1)[0]
