"""The file_ids Telegram gave for uploaded animations and pictures, by content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MediaFile
from bot.db.repositories.dialect import insert_for


class MediaFileRepository:
    """Rows of the media_files table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> MediaFile | None:
        """Return the stored file for a content hash, if it was uploaded."""
        return await self._session.get(MediaFile, key)

    async def all(self) -> list[MediaFile]:
        """Return every stored file (loaded once at start into the process's memory)."""
        return list((await self._session.scalars(select(MediaFile))).all())

    async def remember(self, key: str, file_id: str, file_unique_id: str, now: datetime) -> None:
        """Store the file_id of an upload (a second process's upload of the same key wins)."""
        insert = insert_for(self._session)
        values = {"key": key, "file_id": file_id, "file_unique_id": file_unique_id}
        await self._session.execute(
            insert(MediaFile)
            .values(**values, uploaded_at=now)
            .on_conflict_do_update(index_elements=["key"], set_={**values, "uploaded_at": now})
        )

    async def forget(self, key: str, file_id: str) -> None:
        """Drop a file_id Telegram refused (only that one: another may have replaced it)."""
        await self._session.execute(
            delete(MediaFile).where(MediaFile.key == key, MediaFile.file_id == file_id)
        )
