"""the key-person register, its journal, its disclosures and care visits

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "key_persons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grid_key", sa.String(40), sa.ForeignKey("org_units.key"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=False),
        sa.Column("guardians", JSON, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("device_id", sa.String(80), nullable=True),
        sa.Column(
            "visit_instance_id",
            sa.Integer(),
            sa.ForeignKey("process_instances.id"),
            nullable=True,
        ),
        _when("next_visit_due"),
        _when("last_visit_at"),
        _when("created_at", nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _when("updated_at", nullable=False),
        _when("removed_at"),
        sa.Column("removed_reason", sa.Text(), nullable=False),
        _when("erased_at"),
    )
    op.create_index("ix_key_persons_device_id", "key_persons", ["device_id"])
    op.create_index("ix_key_persons_due", "key_persons", ["next_visit_due"])
    op.create_index("ix_key_persons_grid", "key_persons", ["grid_key", "removed_at"])
    op.create_table(
        "key_person_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("key_persons.id"), nullable=False),
        _when("at", nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("changes", JSON, nullable=False),
    )
    op.create_index("ix_key_person_changes_person_id", "key_person_changes", ["person_id"])
    op.create_table(
        "key_person_disclosures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("key_persons.id"), nullable=False),
        _when("at", nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_key_person_disclosures_person_id", "key_person_disclosures", ["person_id"])
    op.create_index("ix_key_person_disclosures_actor", "key_person_disclosures", ["actor"])
    op.create_table(
        "care_visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("key_persons.id"), nullable=False),
        sa.Column(
            "instance_id",
            sa.Integer(),
            sa.ForeignKey("process_instances.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("grid_key", sa.String(40), sa.ForeignKey("org_units.key"), nullable=False),
        _when("due_at", nullable=False),
        _when("opens_at", nullable=False),
        _when("visited_at"),
        sa.Column("visited_by", sa.String(64), nullable=True),
        _when("missed_at"),
        _when("cancelled_at"),
        sa.Column("record", JSON, nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
    )
    op.create_index("ix_care_visits_person_id", "care_visits", ["person_id"])
    op.create_index("ix_care_visits_grid_due", "care_visits", ["grid_key", "due_at"])


def downgrade() -> None:
    op.drop_table("care_visits")
    op.drop_table("key_person_disclosures")
    op.drop_table("key_person_changes")
    op.drop_table("key_persons")
