"""private chats and loadable zones

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:20:00

Two repairs of stored data, no schema change:
- people.chat_id is the person's private chat, whose id Telegram makes equal to the user's
  id. Before coaching became private-only, any update (a command in a group) overwrote it, so
  a person's reminders could go to a group: point every row back to the private chat.
- A time zone a person may no longer choose (`localtime`, `Factory`, a name the tzdata wheel
  lacks) makes the reminder sweep fail for them: such zones become UTC, the zone a person can
  see and change in /settings. Runs keep their zone for the day they count on, so theirs are
  repaired the same way.
The downgrade changes nothing back: the old values were the defect.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The rule the code enforces when a person picks a zone; a migration that runs once may use
# today's rule (it runs before any code that reads the zones).
from bot.domain.zones import UTC_NAME, is_accepted

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE people SET chat_id = telegram_id WHERE chat_id <> telegram_id")
    )
    for table in ("people", "runs"):
        zones = connection.execute(sa.text(f"SELECT DISTINCT timezone FROM {table}")).scalars()
        for zone in [zone for zone in zones if not is_accepted(zone)]:
            connection.execute(
                sa.text(f"UPDATE {table} SET timezone = :utc WHERE timezone = :zone"),
                {"utc": UTC_NAME, "zone": zone},
            )


def downgrade() -> None:
    pass
