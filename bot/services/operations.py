"""What operators need: health, once-only webhook updates, live workers, the /stats figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.db.unit_of_work import UnitOfWorkFactory
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

    def __init__(self, units: UnitOfWorkFactory, clock: Clock) -> None:
        self._units = units
        self._clock = clock

    async def health(self) -> Health:
        """Check the database and measure how overdue the oldest due reminder is."""
        now = self._clock()
        try:
            async with self._units() as uow:
                await uow.ping()
                oldest = await uow.people.oldest_due(now)
        except Exception:  # any failure to reach the database is "unhealthy", not a crash
            return Health(database=False, sweep_lag_seconds=0.0)
        lag = (now - oldest).total_seconds() if oldest is not None else 0.0
        return Health(database=True, sweep_lag_seconds=max(0.0, lag))

    async def already_processed(self, update_id: int) -> bool:
        """Return whether a webhook update was handled to the end before."""
        async with self._units() as uow:
            return await uow.processed_updates.seen(update_id)

    async def mark_processed(self, update_id: int) -> None:
        """Record a webhook update as handled, and forget those Telegram can no longer resend."""
        now = self._clock()
        async with self._units() as uow:
            await uow.processed_updates.record(update_id, now)
            if update_id % 100 == 0:  # prune now and then, not on every update
                await uow.processed_updates.forget_before(now - PROCESSED_KEEP)
            await uow.commit()

    async def heartbeat(self, worker: str, role: str) -> int:
        """Record that this process is alive; return how many reminder senders are alive."""
        now = self._clock()
        async with self._units() as uow:
            await uow.workers.beat(worker, role, now)
            alive = await uow.workers.alive(SENDER_ROLES, now - WORKER_TIMEOUT)
            await uow.commit()
        return max(1, alive)

    async def leave(self, worker: str) -> None:
        """Remove this process from the live workers (a clean shutdown)."""
        async with self._units() as uow:
            await uow.workers.leave(worker)
            await uow.commit()

    async def people_active(self) -> int:
        """Return how many people did a routine in the last seven days."""
        since = self._clock() - timedelta(days=7)
        async with self._units() as uow:
            return await uow.runs.people_started_since(since)

    async def stats(self) -> OperatorStats:
        """Return the operator's figures."""
        now = self._clock()
        day_ago = now - timedelta(days=1)
        async with self._units() as uow:
            people = await uow.people.count()
            blocked = await uow.people.count(blocked_only=True)
            today = await uow.runs.finished_since(day_ago)
            deliveries = await uow.deliveries.count_by_status(day_ago)
        return OperatorStats(
            people=people,
            active_week=await self.people_active(),
            routines_today=today,
            deliveries_day=deliveries,
            blocked=blocked,
        )
