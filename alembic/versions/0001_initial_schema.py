"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 14:49:37.490613
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "org_units",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("parent_key", sa.String(length=40), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_key"],
            ["org_units.key"],
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_units_path"), ["path"], unique=False)

    op.create_table(
        "process_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column(
            "forms",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deployed_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("process_id", "version"),
    )
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_versions_process_id"), ["process_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "process_instances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("business_key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("end_event", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["process_versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_instances_business_key"), ["business_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_process_instances_process_id"), ["process_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_process_instances_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_process_instances_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("unit_key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_key"],
            ["org_units.key"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "role", "unit_key"),
    )
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("event_code", sa.String(length=10), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column(
            "photos",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("grid_key", sa.String(length=40), nullable=False),
        sa.Column("review_unit_key", sa.String(length=40), nullable=False),
        sa.Column("department_key", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=100), nullable=False),
        sa.Column("reporter_phone", sa.String(length=40), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("return_count", sa.Integer(), nullable=False),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("satisfaction", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_key"],
            ["org_units.key"],
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["grid_key"],
            ["org_units.key"],
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["review_unit_key"],
            ["org_units.key"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_cases_grid", ["grid_key", "status"], unique=False)
        batch_op.create_index("ix_cases_status_unit", ["status", "review_unit_key"], unique=False)

    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("business_key", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("element_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_business_key"), ["business_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_instance_id"), ["instance_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=100), nullable=False),
        sa.Column("element_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("lane", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("unit_key", sa.String(length=100), nullable=True),
        sa.Column("unit_path", sa.String(length=400), nullable=True),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("form", sa.String(length=200), nullable=True),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_assignee", ["assignee", "state"], unique=False)
        batch_op.create_index("ix_tasks_due", ["state", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_tasks_ready_path", ["state", "unit_path"], unique=False)
        batch_op.create_index(
            "ix_tasks_ready_role_unit", ["state", "role", "unit_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_ready_role_unit")
        batch_op.drop_index("ix_tasks_ready_path")
        batch_op.drop_index(batch_op.f("ix_tasks_instance_id"))
        batch_op.drop_index("ix_tasks_due")
        batch_op.drop_index("ix_tasks_assignee")

    op.drop_table("tasks")
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_instance_id"))
        batch_op.drop_index(batch_op.f("ix_journal_business_key"))

    op.drop_table("journal")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_unit")
        batch_op.drop_index("ix_cases_grid")
        batch_op.drop_index(batch_op.f("ix_cases_created_at"))
        batch_op.drop_index(batch_op.f("ix_cases_category"))

    op.drop_table("cases")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grants_user_id"))

    op.drop_table("role_grants")
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_instances_version_id"))
        batch_op.drop_index(batch_op.f("ix_process_instances_status"))
        batch_op.drop_index(batch_op.f("ix_process_instances_process_id"))
        batch_op.drop_index(batch_op.f("ix_process_instances_business_key"))

    op.drop_table("process_instances")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_versions_process_id"))

    op.drop_table("process_versions")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_units_path"))

    op.drop_table("org_units")
    op.drop_table("case_counters")
