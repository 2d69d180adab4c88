"""The file_ids Telegram gave for the bot's pictures: one upload per picture per bot.

Read through a memory per process: a press that shows an animation asks here, and only the
first ask for a picture reaches the database. A file_id that Telegram refuses is forgotten in
both places, so the next show uploads the file again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.db.unit_of_work import UnitOfWorkFactory
from bot.services.clock import Clock


@dataclass(frozen=True)
class UploadedFile:
    """A file Telegram holds for this bot."""

    file_id: str
    file_unique_id: str


class MediaService:
    """Uploaded files by content hash."""

    def __init__(self, units: UnitOfWorkFactory, clock: Clock) -> None:
        self._units = units
        self._clock = clock
        self._memory: dict[str, UploadedFile] = {}
        self._turns: dict[str, asyncio.Lock] = {}

    def upload_turn(self, key: str) -> asyncio.Lock:
        """Return the lock that makes this process's uploads of one picture take turns."""
        return self._turns.setdefault(key, asyncio.Lock())

    async def uploaded(self, key: str) -> UploadedFile | None:
        """Return the upload of a picture, if Telegram has it."""
        known = self._memory.get(key)
        if known is not None:
            return known
        async with self._units() as uow:
            await uow.reads_only()
            row = await uow.media.get(key)
        if row is None:
            return None
        known = self._memory[key] = UploadedFile(row.file_id, row.file_unique_id)
        return known

    async def remember(self, key: str, file_id: str, file_unique_id: str) -> None:
        """Store the file_id Telegram gave for an upload of a picture."""
        async with self._units() as uow:
            await uow.media.remember(key, file_id, file_unique_id, self._clock())
            await uow.commit()
        self._memory[key] = UploadedFile(file_id, file_unique_id)

    async def forget(self, key: str, file_id: str) -> None:
        """Drop a file_id Telegram refused; the picture is uploaded again next time."""
        async with self._units() as uow:
            await uow.media.forget(key, file_id)
            await uow.commit()
        if (known := self._memory.get(key)) is not None and known.file_id == file_id:
            del self._memory[key]
