"""Typed ORM models: people, their remembered levels, routine runs and logged sets."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.delivery import DeliveryKind, DeliveryStatus
from bot.domain.history import PainAnswer
from bot.domain.pain import HipToday
from bot.domain.run import RunStatus, SetStatus
from bot.domain.screening import Screening

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


def status_column(values: type[enum.StrEnum], name: str, length: int) -> Enum:
    """Return an enum stored as its values in a VARCHAR with a CHECK constraint.

    Not a native PostgreSQL enum: adding a status later is then one CHECK to replace, the same
    on SQLite and PostgreSQL, and the stored strings stay what they always were.
    """
    return Enum(
        values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


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
    # Reminder settings, in the person's own zone.
    reminders_on: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    remind_at: Mapped[time] = mapped_column(Time, default=time(9, 0), server_default="09:00:00")
    remind_days: Mapped[int] = mapped_column(SmallInteger, default=31, server_default="31")
    remind_routine: Mapped[str] = mapped_column(String(16), default="desk", server_default="desk")
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Set when Telegram says the person blocked the bot; cleared when they come back.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The schedule itself: the next reminder's instant (NULL: none due) and which one it is.
    next_reminder_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, index=True
    )
    next_reminder_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_reminder_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The first-use screening (bot/domain/screening.py); NULL until answered.
    screening: Mapped[Screening | None] = mapped_column(
        status_column(Screening, "screening", 16), nullable=True
    )
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Data saver: exercise steps as text only, without the animations.
    data_saver: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The language the coach speaks to them (content/i18n.py LANGUAGES): from Telegram's
    # language_code at first contact, then their /language choice.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class ExerciseLevel(Base):
    """A person's standing with one exercise: the version in use and the coach's markers.

    level: the version last chosen (-1 easier, 0 standard, 1 harder). The markers are those of
    bot.domain.progression.ProgressState, each the number (run id) of the person's latest
    session when it was set: a declined harder or easier version, "fine again" after a
    therapist suggestion, a declined extra set. extra_side: an extra set accepted for next time.
    """

    __tablename__ = "exercise_levels"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    start_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    declined_up_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    declined_down_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fine_again_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extra_side: Mapped[str | None] = mapped_column(String(8), nullable=True)
    extra_declined_after: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Run(Base):
    """One routine session: its position and version live here, so a restart loses nothing."""

    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_person_status", "person_id", "status"),
        # Streaks and "already trained today" read a person's finished days.
        Index("ix_runs_person_local_date", "person_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    routine_id: Mapped[str] = mapped_column(String(16))
    # The steps as planned at the start (see bot.domain.run.encode_plan).
    plan: Mapped[str] = mapped_column(Text)
    status: Mapped[RunStatus] = mapped_column(status_column(RunStatus, "run_status", 16))
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
    # Filled when the run finishes: the local day it counts for and how many sets were done.
    local_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    sets_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The coach's plan for this run, fixed at its start (JSON, see bot.services.coaching):
    # Done counts, offers and notes per exercise, so a press reads no history.
    coaching: Mapped[str | None] = mapped_column(Text, nullable=True)


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
    status: Mapped[SetStatus] = mapped_column(status_column(SetStatus, "set_status", 8))
    reps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckIn(Base):
    """The end-of-routine "Any pain?" answer of one run; none when the person skipped it."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), unique=True)
    answer: Mapped[PainAnswer] = mapped_column(status_column(PainAnswer, "pain_answer", 16))
    # Which exercise hurt (after Some or Sharp); NULL until picked.
    exercise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    local_date: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HipDay(Base):
    """The answer to "How's the hip today?" on a local day, and whether it became a rest day."""

    __tablename__ = "hip_days"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    answer: Mapped[HipToday] = mapped_column(status_column(HipToday, "hip_today", 8))
    rest_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Checkup(Base):
    """One /checkup: the answers, the score band and whether its suggestion was taken."""

    __tablename__ = "checkups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # {question id: true/false, "range": answer id}, as JSON.
    answers: Mapped[str] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    band: Mapped[str | None] = mapped_column(String(16), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Pause(Base):
    """Days a person paused reminders (a holiday): their streak treats them as frozen."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class Delivery(Base):
    """One scheduled message to one person for one local day; unique, so it goes out once.

    seq is 0 for the day's reminder and counts up for each snooze of it.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "local_date", "seq", name="uq_deliveries_once"),
        Index("ix_deliveries_status_claimed", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[DeliveryKind] = mapped_column(status_column(DeliveryKind, "delivery_kind", 8))
    local_date: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[DeliveryStatus] = mapped_column(
        status_column(DeliveryStatus, "delivery_status", 16)
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Milestone(Base):
    """A streak milestone celebrated for a person; unique, so each is celebrated once."""

    __tablename__ = "milestones"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    celebrated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MediaFile(Base):
    """A picture Telegram holds for this bot: its file_id, under the content hash it was made of.

    Each animation is uploaded once per bot token; later sends name the file_id. A file_id that
    Telegram refuses is forgotten and the file uploaded again (handlers/media.py).
    """

    __tablename__ = "media_files"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Team(Base):
    """A group chat's team: its daily break's time, zone, days, routine and goal.

    The schedule lives here as it does for a person: next_post_at is the next daily post's
    instant (NULL: none due, the team is off or the bot is out of the group). No personal data:
    members are rows of team_members, and the group sees first names only.
    """

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The deep links' code (t.me/<bot>?start=team_<code>): random, so no one guesses a team.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(128), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    post_at: Mapped[time] = mapped_column(Time, default=time(11, 0), server_default="11:00:00")
    days: Mapped[int] = mapped_column(SmallInteger, default=31, server_default="31")
    routine_id: Mapped[str] = mapped_column(String(16), default="desk", server_default="desk")
    # NULL: the default goal (half of those who joined, at least 2).
    goal: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    ranking: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # /team off turns it off (a team pause, see team_pauses); /team on back on.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # When the bot was removed from the group (the team pauses); deleted 30 days later.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    next_post_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The setup message in the group, edited as the admin changes settings.
    setup_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The language of the team's posts (the admin's at setup; changed in the setup message).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class TeamMember(Base):
    """One stay of a person in a team: from the local day they joined to the day they left."""

    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_team_person", "team_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamPause(Base):
    """Days a team was off (or the bot out of its group): they neither count nor break."""

    __tablename__ = "team_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    # NULL while the pause goes on.
    last_day: Mapped[date | None] = mapped_column(Date, nullable=True)


class TeamPost(Base):
    """One scheduled message to a team's group for one local day; unique, so it goes out once.

    kind daily is the day's break with its live board (board_dirty: members finished since the
    board was last drawn; board_edited_at spaces the edits under the group's limit, across
    processes); weekly is last week's summary.
    """

    __tablename__ = "team_posts"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "local_date", name="uq_team_posts_once"),
        Index("ix_team_posts_status_claimed", "status", "claimed_at"),
        Index("ix_team_posts_board_dirty", "board_dirty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[DeliveryKind] = mapped_column(status_column(DeliveryKind, "delivery_kind", 8))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[DeliveryStatus] = mapped_column(
        status_column(DeliveryStatus, "delivery_status", 16)
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    board_dirty: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    board_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TeamMilestone(Base):
    """A team streak milestone celebrated in the group; unique, so each is celebrated once."""

    __tablename__ = "team_milestones"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    celebrated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaidBroadcastDay(Base):
    """Paid broadcasts sent (or reserved) on one UTC day: the Stars budget, shared by processes.

    Each message sent with allow_paid_broadcast costs 0.1 Telegram Star; a process reserves a
    few at a time from here (bot/services/paid_broadcast.py), never beyond the day's budget.
    """

    __tablename__ = "paid_broadcasts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProcessedUpdate(Base):
    """A webhook update that was handled to the end; Telegram may deliver one twice."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Worker(Base):
    """A running bot process, seen recently: the reminder senders share the send budget."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
