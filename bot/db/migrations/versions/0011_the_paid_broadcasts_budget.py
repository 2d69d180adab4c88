"""the paid broadcasts budget

How many messages went out with allow_paid_broadcast on each UTC day, so that every process
keeps to the daily Stars budget (PAID_BROADCAST_STARS_PER_DAY).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 04:29:23.261266
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paid_broadcasts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_paid_broadcasts")),
    )


def downgrade() -> None:
    op.drop_table("paid_broadcasts")
