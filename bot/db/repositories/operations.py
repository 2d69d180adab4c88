"""What the processes keep about themselves: webhook updates handled, live workers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ProcessedUpdate, Worker
from bot.db.repositories.dialect import insert_for


class ProcessedUpdateRepository:
    """Rows of the processed_updates table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, update_id: int) -> bool:
        """Return whether a webhook update was handled to the end before."""
        return await self._session.get(ProcessedUpdate, update_id) is not None

    async def record(self, update_id: int, now: datetime) -> None:
        """Record a handled webhook update (a second record of the same id is a no-op)."""
        insert = insert_for(self._session)
        await self._session.execute(
            insert(ProcessedUpdate)
            .values(update_id=update_id, handled_at=now)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )

    async def forget_before(self, instant: datetime) -> None:
        """Forget updates handled before an instant."""
        await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < instant)
        )


class WorkerRepository:
    """Rows of the workers table: the running processes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def beat(self, worker: str, role: str, now: datetime) -> None:
        """Insert or refresh a worker's heartbeat."""
        insert = insert_for(self._session)
        await self._session.execute(
            insert(Worker)
            .values(id=worker, role=role, seen_at=now)
            .on_conflict_do_update(index_elements=["id"], set_={"seen_at": now, "role": role})
        )

    async def alive(self, roles: Iterable[str], since: datetime) -> int:
        """Return how many workers of these roles were seen since an instant."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(Worker)
            .where(Worker.role.in_(list(roles)), Worker.seen_at >= since)
        )
        return int(count or 0)

    async def leave(self, worker: str) -> None:
        """Remove a worker (a clean shutdown)."""
        await self._session.execute(delete(Worker).where(Worker.id == worker))


async def ping(session: AsyncSession) -> None:
    """Run the cheapest statement there is: raise when the database cannot be reached."""
    await session.execute(text("SELECT 1"))
