"""unique index on cases.instance_id (every firing looks the case up by it)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:03:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_instance_id", "cases", ["instance_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cases_instance_id", table_name="cases")
