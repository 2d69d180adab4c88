"""Typed ORM models: people, their remembered levels, routine runs and logged sets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; SQLite returns naive values, so re-attach UTC on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC on the way in; refuse naive values."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the shared naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """Someone who talks to the coach; one row per Telegram user."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExerciseLevel(Base):
    """The variation a person last chose for an exercise (-1 easier, 0 standard, 1 harder)."""

    __tablename__ = "exercise_levels"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Run(Base):
    """One routine session: its position and version live here, so a restart loses nothing."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_person_status", "person_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    routine_id: Mapped[str] = mapped_column(String(16))
    # The steps as planned at the start (see bot.domain.run.encode_plan).
    plan: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change; buttons carry it, so a stale or doubled press is recognised.
    version: Mapped[int] = mapped_column(Integer, default=0)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The person's zone when the run started: the local day it counts for never moves.
    timezone: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    step_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SetLog(Base):
    """One exercise side done or skipped within a run; unique per step, so it logs once."""

    __tablename__ = "set_logs"
    __table_args__ = (UniqueConstraint("run_id", "step_index", name="uq_set_logs_run_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    step_index: Mapped[int] = mapped_column(Integer)
    exercise_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8), nullable=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(8))
    reps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())
