"""A person's data under their control: export everything stored about them, or delete it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.db.repositories.personal import NOT_PERSONAL, personal_tables
from bot.db.unit_of_work import UnitOfWorkFactory
from bot.services.people import PersonRef

__all__ = ["NOT_PERSONAL", "DataRightsService", "Export", "personal_tables"]

# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection);
# OWASP's advice is to make such a cell plain text with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
                    cell = "" if value is None else _plain(value)
                    writer.writerow([table, number, column, _inert(cell)])
        return buffer.getvalue().encode()

    @property
    def rows(self) -> int:
        """Return how many rows the export holds."""
        return sum(len(rows) for rows in self.tables.values())


def _plain(value: object) -> str:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _inert(cell: str) -> str:
    """Return a cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


class DataRightsService:
    """Export and deletion of a person's data."""

    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units

    async def export(self, ref: PersonRef) -> Export | None:
        """Return everything stored about the person, or None when nothing is."""
        async with self._units() as uow:
            person = await uow.people.by_telegram_id(ref.telegram_id)
            if person is None:
                return None
            return Export(await uow.personal_data.rows_of(person.id))

    async def delete(self, ref: PersonRef) -> bool:
        """Remove every row about the person; return whether there was anything."""
        async with self._units() as uow:
            person = await uow.people.by_telegram_id(ref.telegram_id)
            if person is None:
                return False
            await uow.personal_data.erase(person.id)
            await uow.commit()
            return True
