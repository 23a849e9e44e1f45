"""case links, department marks, sensor readings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_kind", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("device_id", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_device_id"), ["device_id"], unique=False)

    op.create_table(
        "department_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["department_key"], ["org_units.key"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("department_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_marks_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_department_marks_dept", ["department_key", "at"], unique=False)

    op.create_table(
        "sensor_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reading", JSON, nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sensor_readings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensor_readings_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sensor_readings")
    op.drop_table("department_marks")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_device_id"))
        batch_op.drop_index(batch_op.f("ix_cases_parent_id"))
        batch_op.drop_column("device_id")
        batch_op.drop_column("link_kind")
