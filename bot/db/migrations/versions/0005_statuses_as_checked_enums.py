"""statuses as checked enums

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:10:00

Run, set and delivery statuses (and the delivery kind) become enum columns stored as their
values in the same VARCHARs, with a CHECK constraint each: every existing row keeps its
value, and the database refuses a word the code does not know. The values are written out
here, as they were at this revision, so a later change to the enums cannot rewrite history.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    ("runs", "status", "run_status"): ("active", "finished", "stopped"),
    ("set_logs", "status", "set_status"): ("done", "skipped"),
    ("deliveries", "kind", "delivery_kind"): ("daily", "weekly"),
    ("deliveries", "status", "delivery_status"): (
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
        "expired",
    ),
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    for table in ("runs", "set_logs", "deliveries"):
        # One rebuild per table on SQLite (which cannot add a CHECK in place).
        with op.batch_alter_table(table) as batch_op:
            for (name, column, enum_name), values in CHECKS.items():
                if name == table:
                    batch_op.create_check_constraint(
                        op.f(f"ck_{table}_{enum_name}"), _condition(column, values)
                    )


def downgrade() -> None:
    for table in ("deliveries", "set_logs", "runs"):
        with op.batch_alter_table(table) as batch_op:
            for (name, _column, enum_name), _values in CHECKS.items():
                if name == table:
                    batch_op.drop_constraint(op.f(f"ck_{table}_{enum_name}"), type_="check")
