"""index the reporter's phone: the hotline desk finds a caller's earlier cases by number

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 19:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_reporter_phone", "cases", ["reporter_phone"])


def downgrade() -> None:
    op.drop_index("ix_cases_reporter_phone", table_name="cases")
