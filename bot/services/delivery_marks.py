"""Group commit of the two marks every reminder gets: "sending" before it goes, "sent" after.

Each is one short UPDATE, and at hundreds of reminders a second a transaction each would be
most of the work (on SQLite every commit also takes the write lock). Callers still wait for
their own mark to be committed, so a reminder is never handed to Telegram before its row says
so; the marks that arrive while a commit is on its way go together in the next transaction.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.db.unit_of_work import UnitOfWorkFactory


class DeliveryMarks:
    """Commit many callers' sending and sent marks in one transaction at a time."""

    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units
        self._sending: list[int] = []
        self._sent: list[tuple[int, int, datetime]] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def sending(self, delivery_id: int) -> None:
        """Mark a delivery as being handed to Telegram; return once that is committed."""
        self._sending.append(delivery_id)
        await self._committed()

    async def sent(self, delivery_id: int, message_id: int, at: datetime) -> None:
        """Mark a delivery as sent; return once that is committed."""
        self._sent.append((delivery_id, message_id, at))
        await self._committed()

    async def _committed(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await waiter

    async def _flush(self) -> None:
        # Let the callers that are ready at this moment join the same transaction.
        await asyncio.sleep(0)
        while self._waiters:
            sending, self._sending = self._sending, []
            sent, self._sent = self._sent, []
            waiters, self._waiters = self._waiters, []
            try:
                async with self._units() as uow:
                    await uow.deliveries.mark_many(sending, sent)
                    await uow.commit()
            except BaseException as error:
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
