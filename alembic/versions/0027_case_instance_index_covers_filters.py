"""the index from an instance to its case carries the case's category and status (PostgreSQL):
an inbox filtered by them reads the index alone

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 22:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

NAME = "ix_cases_instance_id"


def _recreate(include: list[str]) -> None:
    op.drop_index(NAME, table_name="cases")
    op.create_index(NAME, "cases", ["instance_id"], unique=True, postgresql_include=include)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _recreate(["category", "status"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _recreate([])
