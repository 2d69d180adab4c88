"""teams, their members, posts, pauses and milestones

Team mode: a group chat's team (its break's time, zone, days, routine and goal), the stays of
its members, the days it was off, its daily and weekly posts (unique per team, kind and day,
as deliveries are per person) and the milestones it celebrated. A personal reminder gets a new
outcome, "team": skipped because a team of the person's posted its break within the hour.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 03:24:33.198221
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DELIVERY_STATUSES = (
    "claimed",
    "sending",
    "sent",
    "snoozed",
    "dismissed",
    "blocked",
    "failed",
    "unknown",
    "late",
    "done",
    "team",
    "expired",
)


def _delivery_statuses(values: tuple[str, ...]) -> None:
    """Replace the deliveries' status CHECK (one table rebuild on SQLite)."""
    name = op.f("ck_deliveries_delivery_status")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(
            name, f"status IN ({', '.join(repr(value) for value in values)})"
        )


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("post_at", sa.Time(), server_default="11:00:00", nullable=False),
        sa.Column("days", sa.SmallInteger(), server_default="31", nullable=False),
        sa.Column("routine_id", sa.String(length=16), server_default="desk", nullable=False),
        sa.Column("goal", sa.SmallInteger(), nullable=True),
        sa.Column("ranking", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("left_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_post_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_post_day", sa.Date(), nullable=True),
        sa.Column("setup_message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_teams_chat_id")),
        sa.UniqueConstraint("code", name=op.f("uq_teams_code")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_left_at"), ["left_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_next_post_at"), ["next_post_at"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("joined_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_team_members_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_team_members_team_person", ["team_id", "person_id"], unique=False)

    op.create_table(
        "team_milestones",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("celebrated_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_milestones_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "days", name=op.f("pk_team_milestones")),
    )
    op.create_table(
        "team_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_pauses_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_pauses")),
    )
    with op.batch_alter_table("team_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_pauses_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "daily",
                "weekly",
                name="delivery_kind",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "claimed",
                "sending",
                "sent",
                "snoozed",
                "dismissed",
                "blocked",
                "failed",
                "unknown",
                "late",
                "done",
                "team",
                "expired",
                name="delivery_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("due_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=False),
        sa.Column("sent_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("board_dirty", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("board_edited_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_posts_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_posts")),
        sa.UniqueConstraint("team_id", "kind", "local_date", name="uq_team_posts_once"),
    )
    with op.batch_alter_table("team_posts", schema=None) as batch_op:
        batch_op.create_index("ix_team_posts_board_dirty", ["board_dirty"], unique=False)
        batch_op.create_index(
            "ix_team_posts_status_claimed", ["status", "claimed_at"], unique=False
        )

    _delivery_statuses(DELIVERY_STATUSES)


def downgrade() -> None:
    _delivery_statuses(tuple(s for s in DELIVERY_STATUSES if s != "team"))
    with op.batch_alter_table("team_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_team_posts_status_claimed")
        batch_op.drop_index("ix_team_posts_board_dirty")

    op.drop_table("team_posts")
    with op.batch_alter_table("team_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_pauses_team_id"))

    op.drop_table("team_pauses")
    op.drop_table("team_milestones")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index("ix_team_members_team_person")
        batch_op.drop_index(batch_op.f("ix_team_members_person_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_next_post_at"))
        batch_op.drop_index(batch_op.f("ix_teams_left_at"))

    op.drop_table("teams")
