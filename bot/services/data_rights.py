"""A person's data under their control: export everything stored about them, or delete it.

Both read the schema (every table with a person_id column, and the person's own row), so a
table added later is exported and deleted without anyone remembering to list it here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repositories as repo
from bot.db.models import Base, Person
from bot.services.people import PersonRef

# Tables that hold nothing about a person (checked by a test against the schema).
NOT_PERSONAL = frozenset({"processed_updates", "workers"})


def personal_tables() -> list[Table]:
    """Return every table that holds rows about a person: children first, people last."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if "person_id" in t.columns]
    return [*tables, Person.__table__]


@dataclass(frozen=True)
class Export:
    """Everything stored about one person, by table."""

    tables: dict[str, list[dict[str, Any]]]

    def to_json(self) -> bytes:
        """Return the export as indented JSON."""
        return json.dumps(self.tables, indent=2, default=_plain, ensure_ascii=False).encode()

    def to_csv(self) -> bytes:
        """Return the export as one CSV of (table, row, column, value), any schema fits."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["table", "row", "column", "value"])
        for table, rows in self.tables.items():
            for number, row in enumerate(rows, start=1):
                for column, value in row.items():
                    writer.writerow([table, number, column, "" if value is None else _plain(value)])
        return buffer.getvalue().encode()

    @property
    def rows(self) -> int:
        """Return how many rows the export holds."""
        return sum(len(rows) for rows in self.tables.values())


def _plain(value: object) -> str:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


class DataRightsService:
    """Export and deletion of a person's data."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, ref: PersonRef) -> Export | None:
        """Return everything stored about the person, or None when nothing is."""
        async with self._sessions() as session:
            person = await repo.find_person(session, ref.telegram_id)
            if person is None:
                return None
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in personal_tables():
                key = table.c.id if table.name == "people" else table.c.person_id
                result = await session.execute(select(table).where(key == person.id))
                tables[table.name] = [dict(row._mapping) for row in result.all()]
            return Export(tables)

    async def delete(self, ref: PersonRef) -> bool:
        """Remove every row about the person; return whether there was anything."""
        async with self._sessions.begin() as session:
            person = await repo.find_person(session, ref.telegram_id)
            if person is None:
                return False
            # Explicit deletes in dependency order: correct even where cascades are not enforced.
            for table in personal_tables():
                key = table.c.id if table.name == "people" else table.c.person_id
                await session.execute(delete(table).where(key == person.id))
            return True
