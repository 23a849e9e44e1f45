"""the indicator roll-up also keeps whole months (span "month"), summed from its days

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 20:00:00

Existing rows are days; the month rows appear when the roll-up is next counted (the state row
is cleared, so readers count from the cases until ``gridcase init`` has done so).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("indicator_days", "department_mark_days"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("span", sa.String(length=5), nullable=False, server_default="day")
            )
        op.create_index(f"ix_{table}_span_day", table, ["span", "day"])
    op.execute("DELETE FROM indicator_rollup_state")


def downgrade() -> None:
    for table in ("indicator_days", "department_mark_days"):
        op.execute(f"DELETE FROM {table} WHERE span = 'month'")
        op.drop_index(f"ix_{table}_span_day", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("span")
