"""notices carry the outbound channels still to deliver them (the outbox)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

PENDING = "pending_channels <> ''"


def upgrade() -> None:
    op.add_column(
        "notifications",
        sa.Column("pending_channels", sa.String(100), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_notifications_pending",
        "notifications",
        ["created_at"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_pending", table_name="notifications")
    with op.batch_alter_table("notifications") as table:
        table.drop_column("pending_channels")
