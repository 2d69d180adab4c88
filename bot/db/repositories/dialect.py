"""The INSERT construct of the session's database, for ON CONFLICT on both dialects."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession) -> type[postgresql.Insert] | type[sqlite.Insert]:
    """Return PostgreSQL's or SQLite's insert, whichever the session is bound to."""
    dialect = session.get_bind().dialect.name
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert
