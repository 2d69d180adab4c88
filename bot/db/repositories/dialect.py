"""Which database a session is bound to, and its INSERT construct for ON CONFLICT."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def is_postgresql(session: AsyncSession) -> bool:
    """Return whether the session is bound to PostgreSQL (else it is SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession) -> type[postgresql.Insert] | type[sqlite.Insert]:
    """Return PostgreSQL's or SQLite's insert, whichever the session is bound to."""
    return postgresql.Insert if is_postgresql(session) else sqlite.Insert
