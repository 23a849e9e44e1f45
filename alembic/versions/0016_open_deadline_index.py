"""index the open cases by deadline: the overview counts those past it now

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# As workflows/adapters/models.py states it at this revision.
STILL_OPEN = "status NOT IN ('closed', 'evaluated', 'merged', 'rejected')"


def upgrade() -> None:
    op.create_index(
        "ix_cases_open_deadline",
        "cases",
        ["deadline"],
        postgresql_where=sa.text(STILL_OPEN),
        sqlite_where=sa.text(STILL_OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_open_deadline", table_name="cases")
