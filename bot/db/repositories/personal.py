"""Everything stored about one person, read or erased through the schema itself.

Every table with a person_id column, and the person's own row: a table added later is
exported and deleted without anyone remembering to list it here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Base, Person

# Tables that hold nothing about a person (checked by a test against the schema).
NOT_PERSONAL = frozenset(
    {
        "processed_updates",
        "workers",
        "media_files",
        # A group's team: its settings and posts name no person (members are team_members).
        "teams",
        "team_pauses",
        "team_posts",
        "team_milestones",
        "paid_broadcasts",
    }
)


def personal_tables() -> list[Table]:
    """Return every table that holds rows about a person: children first, people last."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if "person_id" in t.columns]
    people = Person.__table__
    assert isinstance(people, Table)
    return [*tables, people]


class PersonalDataRepository:
    """Every personal table at once, for the data-rights requests."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rows_of(self, person_id: int) -> dict[str, list[dict[str, Any]]]:
        """Return every row about the person, by table."""
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in personal_tables():
            key = table.c.id if table.name == "people" else table.c.person_id
            result = await self._session.execute(select(table).where(key == person_id))
            tables[table.name] = [dict(row._mapping) for row in result.all()]
        return tables

    async def erase(self, person_id: int) -> None:
        """Delete every row about the person."""
        # Explicit deletes in dependency order: correct even where cascades are not enforced.
        for table in personal_tables():
            key = table.c.id if table.name == "people" else table.c.person_id
            await self._session.execute(delete(table).where(key == person_id))
