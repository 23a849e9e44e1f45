"""cases remember another system's order id: one case per pushing account and order id

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_source", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint("uq_cases_external", ["external_source", "external_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_external", type_="unique")
        batch_op.drop_column("external_id")
        batch_op.drop_column("external_source")
