"""the indicator roll-up's stale buckets: a step notes them, a reader or the sweep counts them

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_pending",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("grid_key", sa.String(40), primary_key=True),
        sa.Column("cases", sa.Boolean(), nullable=False),
        sa.Column("marks", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    # Buckets still pending would stay stale under the older code: have it count anew.
    op.execute("DELETE FROM indicator_rollup_state")
    op.drop_table("indicator_pending")
