"""cases carry the cell of their coordinates, indexed with the report time (duplicates)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:10:00
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CELL_DEGREES = 0.001  # as workflows/domain/nearby.py at this revision


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geo_cell", sa.String(length=24), nullable=True))
    op.create_index("ix_cases_geo_cell", "cases", ["geo_cell", "created_at"])
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("lat", sa.Float),
        sa.column("lon", sa.Float),
        sa.column("geo_cell", sa.String),
    )
    placed = bind.execute(
        sa.select(cases.c.id, cases.c.lat, cases.c.lon).where(
            cases.c.lat.is_not(None), cases.c.lon.is_not(None)
        )
    ).all()
    for case_id, lat, lon in placed:
        key = f"{math.floor(lat / CELL_DEGREES)}:{math.floor(lon / CELL_DEGREES)}"
        bind.execute(sa.update(cases).where(cases.c.id == case_id).values(geo_cell=key))


def downgrade() -> None:
    op.drop_index("ix_cases_geo_cell", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("geo_cell")
