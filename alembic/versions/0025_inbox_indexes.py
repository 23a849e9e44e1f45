"""lists at scale: the ready tasks indexed in inbox order, one index per way of seeing a task
(replacing the unordered ones); the open cases in the console's order; the instances whose
step failed; each task's process (backfilled) for the heatmap

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# As engine/models.py and workflows/adapters/models.py state them at this revision.
READY = "state = 'ready'"
STILL_OPEN = "status NOT IN ('closed', 'evaluated', 'merged', 'rejected')"
ERRORED = "error IS NOT NULL"
INDEXES = {
    "ix_tasks_inbox_unit": ("tasks", ["role", "unit_key", "due_at", "created_at", "id"], READY),
    "ix_tasks_inbox_assignee": ("tasks", ["assignee", "due_at", "created_at", "id"], READY),
    "ix_tasks_inbox_all": ("tasks", ["due_at", "created_at", "id"], READY),
    "ix_tasks_ready_instance": ("tasks", ["instance_id", "due_at"], READY),
    "ix_tasks_ready_heat": (
        "tasks",
        ["process_id", "element_id", "unit_path", "created_at"],
        READY,
    ),
    "ix_cases_open_updated": ("cases", ["updated_at", "id"], STILL_OPEN),
    "ix_cases_open_alert": ("cases", ["alert_level", "updated_at", "id"], STILL_OPEN),
    "ix_cases_open_suspended": ("cases", ["suspended", "updated_at", "id"], STILL_OPEN),
    "ix_process_instances_errored": ("process_instances", ["id"], ERRORED),
}
# Replaced by the ordered partial indexes above.
REPLACED = {
    "ix_tasks_ready_role_unit": ["state", "role", "unit_key"],
    "ix_tasks_due": ["state", "due_at"],
}
# PostgreSQL: a unit's tasks are nearly all of one role; without this the planner guesses
# a big inbox small and sorts it instead of reading it in order.
STATISTICS = "st_tasks_role_unit"


def upgrade() -> None:
    op.add_column("tasks", sa.Column("process_id", sa.String(100), nullable=True))
    op.execute(
        "UPDATE tasks SET process_id = (SELECT process_instances.process_id "
        "FROM process_instances WHERE process_instances.id = tasks.instance_id)"
    )
    for name in REPLACED:
        op.drop_index(name, table_name="tasks")
    for name, (table, columns, where) in INDEXES.items():
        op.create_index(
            name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE STATISTICS {STATISTICS} (dependencies, mcv) ON state, role, unit_key "
            "FROM tasks"
        )
        op.execute("ANALYZE tasks")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    for name, (table, _columns, _where) in INDEXES.items():
        op.drop_index(name, table_name=table)
    for name, columns in REPLACED.items():
        op.create_index(name, "tasks", columns)
    op.drop_column("tasks", "process_id")
