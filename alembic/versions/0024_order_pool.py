"""the volunteer order pool: members' profiles, orders and claims

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "volunteer_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("home_unit_key", sa.String(40), sa.ForeignKey("org_units.key"), nullable=False),
        sa.Column("branch", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.UniqueConstraint("user_id"),
    )
    op.create_index("ix_volunteer_profiles_home_unit_key", "volunteer_profiles", ["home_unit_key"])
    op.create_table(
        "service_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("unit_key", sa.String(40), sa.ForeignKey("org_units.key"), nullable=False),
        sa.Column("street_key", sa.String(40), nullable=False),
        sa.Column("district_key", sa.String(40), nullable=False),
        _when("starts_at", nullable=False),
        _when("ends_at", nullable=False),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        _when("claim_deadline", nullable=False),
        _when("escalate_at", nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instances.id"), nullable=True
        ),
        sa.Column("posted_by", sa.String(64), nullable=False),
        _when("created_at", nullable=False),
        _when("escalated_at"),
        sa.Column("arrangement", sa.Text(), nullable=False),
        sa.Column("arranged_by", sa.String(64), nullable=True),
        _when("done_at"),
        sa.Column("confirmed_by", sa.String(64), nullable=True),
        sa.CheckConstraint("claimed >= 0 AND claimed <= needed", name="ck_service_orders_claimed"),
    )
    op.create_index(
        "ix_service_orders_district_stage",
        "service_orders",
        ["district_key", "stage", "claim_deadline"],
    )
    op.create_index("ix_service_orders_unit", "service_orders", ["unit_key", "created_at"])
    op.create_index("ix_service_orders_instance", "service_orders", ["instance_id"], unique=True)
    op.create_table(
        "order_claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("service_orders.id"), nullable=False),
        sa.Column(
            "volunteer_id",
            sa.Integer(),
            sa.ForeignKey("volunteer_profiles.id"),
            nullable=False,
        ),
        sa.Column("home_unit_key", sa.String(40), nullable=False),
        sa.Column("branch", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        _when("claimed_at", nullable=False),
        _when("withdrawn_at"),
        sa.Column("served", sa.Boolean(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("photo_id", sa.Integer(), sa.ForeignKey("attachments.id"), nullable=True),
        _when("confirmed_at"),
        sa.Column("confirmed_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("order_id", "volunteer_id", name="uq_order_claims_member"),
    )
    op.create_index("ix_order_claims_order_id", "order_claims", ["order_id"])
    op.create_index("ix_order_claims_volunteer", "order_claims", ["volunteer_id", "state"])
    op.create_index("ix_order_claims_confirmed", "order_claims", ["confirmed_at", "home_unit_key"])


def downgrade() -> None:
    op.drop_table("order_claims")
    op.drop_table("service_orders")
    op.drop_table("volunteer_profiles")
