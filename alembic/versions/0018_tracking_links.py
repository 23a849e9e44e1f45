"""a resident's tracking link on the case

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("tracking_token", sa.String(32), nullable=True))
    op.create_index("ix_cases_tracking_token", "cases", ["tracking_token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cases_tracking_token", table_name="cases")
    with op.batch_alter_table("cases") as table:
        table.drop_column("tracking_token")
