"""languages of people and teams

The language the coach speaks to a person (set from Telegram's language_code at first contact,
then by /language), and the language of a team's posts. Everyone there already: English.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 03:53:30.672547
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("language")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("language")
