"""the pending requests for more time have their own index, oldest first: every inbox of a
dispatcher or supervisor reads them, and decided ones pile up over the years

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_extension_requests_pending",
        "extension_requests",
        ["created_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_extension_requests_pending", table_name="extension_requests")
