"""substitutions (out-of-office stand-ins, 代班)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "substitutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("substitute_username", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["substitute_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_substitutions_substitute_id"), ["substitute_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_substitutions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("substitutions")
