"""cases remember when they were registered, handled, verified and evaluated, and their
street and community (for the indicators)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 17:00:00

Cases that exist already get their street and community from the org tree and their
registration time from the first task that opened for a department or on the spot; their
other milestones stay empty (they count from now on).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TIMES = ("registered_at", "dispatched_at", "handled_at", "verified_at", "evaluated_at")
FLAGS = ("verified_on_time", "extended", "ever_suspended", "supervised")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in TIMES:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verified_by", sa.String(length=64), nullable=True))
        for name in FLAGS:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch_op.add_column(sa.Column("street_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("community_key", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_cases_registered_at", ["registered_at"], unique=False)
        batch_op.create_index("ix_cases_street_registered", ["street_key", "registered_at"])
        batch_op.create_index("ix_cases_department_registered", ["department_key", "registered_at"])
    _backfill()


def _backfill() -> None:
    """Street and community are the grid's ancestors at those levels; registration is the
    first task that opened for a department or on the spot."""
    for level, column in (("street", "street_key"), ("community", "community_key")):
        op.execute(
            f"""
            UPDATE cases SET {column} = (
                SELECT a.key FROM org_units g JOIN org_units a
                  ON g.path LIKE a.path || '%' AND a.level = '{level}' AND a.kind = 'territory'
                WHERE g.key = cases.grid_key)
            """
        )
    op.execute(
        """
        UPDATE cases SET registered_at = (
            SELECT MIN(t.created_at) FROM tasks t
            WHERE t.instance_id = cases.instance_id
              AND t.element_id IN ('sign', 'handle_on_spot', 'assess_risk', 'welfare_visit'))
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_department_registered")
        batch_op.drop_index("ix_cases_street_registered")
        batch_op.drop_index("ix_cases_registered_at")
        for name in (*TIMES, "verified_by", *FLAGS, "street_key", "community_key"):
            batch_op.drop_column(name)
