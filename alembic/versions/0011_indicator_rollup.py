"""the indicator roll-up: case counts and department marks per local day

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:30:00

The tables start empty and without a state row, so readers count from the cases until
``gridcase init-db`` (or the server's start) has filled them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COUNTS = (
    "reported",
    "valid",
    "due_to_close",
    "closed",
    "closed_on_time",
    "due_to_handle",
    "handled",
    "handled_on_time",
    "dispatched",
    "returned",
    "reworked",
    "extended",
    "overdue_fed_back",
    "supervised",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "satisfied_by_default",
)


def upgrade() -> None:
    op.create_table(
        "indicator_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("street_key", sa.String(length=40), nullable=True),
        sa.Column("community_key", sa.String(length=40), nullable=True),
        sa.Column("grid_key", sa.String(length=40), nullable=False),
        sa.Column("department_key", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("closing_hours", sa.Float(), nullable=False),
    )
    op.create_index("ix_indicator_days_day_grid", "indicator_days", ["day", "grid_key"])
    op.create_table(
        "department_mark_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grid_key", sa.String(length=40), nullable=False),
        sa.Column("case_department_key", sa.String(length=40), nullable=True),
        sa.Column("department_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_department_mark_days_day_grid", "department_mark_days", ["day", "grid_key"]
    )
    op.create_table(
        "indicator_rollup_state",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_cases_waiting_registered",
        "cases",
        ["registered_at"],
        postgresql_where=sa.text("handled_at IS NULL"),
        sqlite_where=sa.text("handled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_waiting_registered", table_name="cases")
    op.drop_table("indicator_rollup_state")
    op.drop_index("ix_department_mark_days_day_grid", table_name="department_mark_days")
    op.drop_table("department_mark_days")
    op.drop_index("ix_indicator_days_day_grid", table_name="indicator_days")
    op.drop_table("indicator_days")
