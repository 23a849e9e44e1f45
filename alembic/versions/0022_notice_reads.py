"""notices are read by each person on their own

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Notices read before this revision keep their shared read_at: read for everyone.
    op.create_table(
        "notification_reads",
        sa.Column(
            "notification_id",
            sa.Integer(),
            sa.ForeignKey("notifications.id"),
            primary_key=True,
        ),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_reads")
