"""What operators need: health, once-only webhook updates, live workers, the /stats figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repositories as repo
from bot.db.models import Delivery, Person, ProcessedUpdate, Run, Worker
from bot.services.clock import Clock

# Telegram gives up redelivering after 24 hours; keep the record a little longer.
PROCESSED_KEEP = timedelta(hours=26)
# A worker not seen for this long is gone; its share of the send budget goes to the others.
WORKER_TIMEOUT = timedelta(seconds=15)
SENDER_ROLES = ("all", "reminders")


@dataclass(frozen=True)
class Health:
    """What /healthz reports."""

    database: bool
    sweep_lag_seconds: float


@dataclass(frozen=True)
class OperatorStats:
    """What /stats shows the operator."""

    people: int
    active_week: int
    routines_today: int
    deliveries_day: dict[str, int]  # status -> count over the last 24 hours
    blocked: int


class OperationsService:
    """Health, idempotent webhook updates, worker heartbeats and figures for operators."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def health(self) -> Health:
        """Check the database and measure how overdue the oldest due reminder is."""
        now = self._clock()
        try:
            async with self._sessions() as session:
                await session.execute(text("SELECT 1"))
                oldest = await session.scalar(
                    select(func.min(Person.next_reminder_at)).where(Person.next_reminder_at <= now)
                )
        except Exception:  # any failure to reach the database is "unhealthy", not a crash
            return Health(database=False, sweep_lag_seconds=0.0)
        lag = (now - oldest).total_seconds() if oldest is not None else 0.0
        return Health(database=True, sweep_lag_seconds=max(0.0, lag))

    async def already_processed(self, update_id: int) -> bool:
        """Return whether a webhook update was handled to the end before."""
        async with self._sessions() as session:
            return await session.get(ProcessedUpdate, update_id) is not None

    async def mark_processed(self, update_id: int) -> None:
        """Record a webhook update as handled, and forget those Telegram can no longer resend."""
        now = self._clock()
        async with self._sessions.begin() as session:
            await repo.insert_processed_update(session, update_id, now)
            if update_id % 100 == 0:  # prune now and then, not on every update
                await session.execute(
                    delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < now - PROCESSED_KEEP)
                )

    async def heartbeat(self, worker: str, role: str) -> int:
        """Record that this process is alive; return how many reminder senders are alive."""
        now = self._clock()
        async with self._sessions.begin() as session:
            await repo.upsert_worker(session, worker, role, now)
            alive = await session.scalar(
                select(func.count())
                .select_from(Worker)
                .where(Worker.role.in_(SENDER_ROLES), Worker.seen_at >= now - WORKER_TIMEOUT)
            )
        return max(1, int(alive or 0))

    async def leave(self, worker: str) -> None:
        """Remove this process from the live workers (a clean shutdown)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(Worker).where(Worker.id == worker))

    async def people_active(self) -> int:
        """Return how many people did a routine in the last seven days."""
        since = self._clock() - timedelta(days=7)
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count(func.distinct(Run.person_id))).where(Run.started_at >= since)
            )
        return int(count or 0)

    async def stats(self) -> OperatorStats:
        """Return the operator's figures."""
        now = self._clock()
        day_ago = now - timedelta(days=1)
        async with self._sessions() as session:
            people = await session.scalar(select(func.count()).select_from(Person))
            blocked = await session.scalar(
                select(func.count()).select_from(Person).where(Person.blocked.is_(True))
            )
            today = await session.scalar(
                select(func.count())
                .select_from(Run)
                .where(Run.status == "finished", Run.finished_at >= day_ago)
            )
            rows = await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.claimed_at >= day_ago)
                .group_by(Delivery.status)
            )
            deliveries = {status: int(count) for status, count in rows.all()}
        return OperatorStats(
            people=int(people or 0),
            active_week=await self.people_active(),
            routines_today=int(today or 0),
            deliveries_day=deliveries,
            blocked=int(blocked or 0),
        )
