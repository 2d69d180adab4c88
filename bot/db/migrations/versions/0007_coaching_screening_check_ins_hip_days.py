"""coaching: screening, check-ins, hip days, check-ups, progress markers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 21:52:34.213509
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("taken_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("band", sa.String(length=16), nullable=True),
        sa.Column("accepted_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_checkups_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkups")),
    )
    with op.batch_alter_table("checkups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkups_person_id"), ["person_id"], unique=False)

    op.create_table(
        "hip_days",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column(
            "answer",
            sa.Enum(
                "better",
                "same",
                "worse",
                name="hip_today",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("rest_day", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("answered_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_hip_days_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "local_date", name=op.f("pk_hip_days")),
    )
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column(
            "answer",
            sa.Enum(
                "no_pain",
                "some",
                "sharp",
                "unanswered",
                name="pain_answer",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("exercise_id", sa.String(length=32), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("answered_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_check_ins_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_check_ins_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("run_id", name=op.f("uq_check_ins_run_id")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("exercise_levels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("start_level", sa.SmallInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("declined_up_after", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("declined_down_after", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fine_again_after", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("extra_side", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("extra_declined_after", sa.Integer(), nullable=True))

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "screening",
                sa.Enum(
                    "clear",
                    "gentle",
                    "not_now",
                    name="screening",
                    native_enum=False,
                    create_constraint=True,
                    length=16,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("screened_at", bot.db.models.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coaching", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("coaching")

    with op.batch_alter_table("people", schema=None) as batch_op:
        # The enum's CHECK names the column: it goes first, or SQLite's rebuild keeps it.
        batch_op.drop_constraint(op.f("ck_people_screening"), type_="check")
        batch_op.drop_column("screened_at")
        batch_op.drop_column("screening")

    with op.batch_alter_table("exercise_levels", schema=None) as batch_op:
        batch_op.drop_column("extra_declined_after")
        batch_op.drop_column("extra_side")
        batch_op.drop_column("fine_again_after")
        batch_op.drop_column("declined_down_after")
        batch_op.drop_column("declined_up_after")
        batch_op.drop_column("start_level")

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_ins_person_id"))

    op.drop_table("check_ins")
    op.drop_table("hip_days")
    with op.batch_alter_table("checkups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkups_person_id"))

    op.drop_table("checkups")
