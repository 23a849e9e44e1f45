"""org units carry their boundary (a GeoJSON geometry) for the map

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00

Units that exist already get no boundary: the map then shows their cases at the grid centres
without a polygon until an administrator loads the boundaries.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "boundary",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy of org_units would
    # have to drop a table that every case and grant references.
    op.drop_column("org_units", "boundary")
