"""roll-up rows of a day over all categories; waiting and open cases indexed by deadline
with the columns their counts read (PostgreSQL counts from the index alone)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

WAITING = "handled_at IS NULL"
# As workflows/adapters/models.py states them at this revision.
STILL_OPEN = "status NOT IN ('closed', 'evaluated', 'merged', 'rejected')"
SCOPE = ["grid_key", "department_key"]
WAITING_COLUMNS = [
    *SCOPE,
    "street_key",
    "category",
    "process_id",
    "registered_at",
    "extended",
    "ever_suspended",
]


def upgrade() -> None:
    with op.batch_alter_table("indicator_days") as table:
        table.alter_column(
            "span", type_=sa.String(10), existing_type=sa.String(5), existing_nullable=False
        )
    op.drop_index("ix_cases_waiting_registered", table_name="cases")
    op.create_index(
        "ix_cases_waiting_deadline",
        "cases",
        ["deadline"],
        postgresql_include=WAITING_COLUMNS,
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    _open_deadline(SCOPE)


def _open_deadline(include: list[str]) -> None:
    """The open cases by deadline (0016), carrying ``include`` on PostgreSQL."""
    op.drop_index("ix_cases_open_deadline", table_name="cases")
    op.create_index(
        "ix_cases_open_deadline",
        "cases",
        ["deadline"],
        postgresql_include=include,
        postgresql_where=sa.text(STILL_OPEN),
        sqlite_where=sa.text(STILL_OPEN),
    )


def downgrade() -> None:
    _open_deadline([])
    op.drop_index("ix_cases_waiting_deadline", table_name="cases")
    op.create_index(
        "ix_cases_waiting_registered",
        "cases",
        ["registered_at"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    op.execute("DELETE FROM indicator_days WHERE span = 'day_total'")
    with op.batch_alter_table("indicator_days") as table:
        table.alter_column(
            "span", type_=sa.String(5), existing_type=sa.String(10), existing_nullable=False
        )
