"""The engine's tables: process versions, instances, the ready-task projection, the journal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, utcnow


class ProcessVersion(Base):
    """One immutable deployed version of a process: the BPMN text and its forms."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]]
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[str] = mapped_column(String(100), default="system")


class ProcessInstance(Base):
    """A running or finished workflow. ``state`` is the serialized task tree without the spec."""

    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    state: Mapped[str] = mapped_column(Text)
    end_event: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    # While suspended: {timer task id: seconds that were left}; restored on resume.
    paused_timers: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __mapper_args__ = {"version_id_col": lock_version}
    # The instances whose step failed in the background (the console's list), few at a time.
    __table_args__ = (
        Index(
            "ix_process_instances_errored",
            "id",
            postgresql_where=text("error IS NOT NULL"),
            sqlite_where=text("error IS NOT NULL"),
        ),
    )


READY = "state = 'ready'"
ONLY_READY: dict[str, Any] = {"postgresql_where": text(READY), "sqlite_where": text(READY)}


class TaskRecord(Base):
    """Projection of a user task; inbox and dashboard queries read this, never the state JSON.

    ``state`` is ``ready`` while the task waits, then ``completed`` or ``cancelled``; rows are
    kept so that a second completion can be told apart from an unknown task.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_ready_path", "state", "unit_path"),
        Index("ix_tasks_assignee", "assignee", "state"),
        # The inbox reads each way of seeing a task in inbox order (nearest deadline, oldest,
        # id) from one of these: a role in a unit, own tasks, a supervised subtree.
        *(
            Index(f"ix_tasks_inbox_{name}", *leading, "due_at", "created_at", "id", **ONLY_READY)
            for name, leading in (
                ("unit", ("role", "unit_key")),
                ("assignee", ("assignee",)),
                ("all", ()),
            )
        ),
        # An instance's waiting steps past a deadline (the console's overdue list), and each
        # process's waiting steps by element within a subtree (the heatmap), from the index.
        Index("ix_tasks_ready_instance", "instance_id", "due_at", **ONLY_READY),
        Index(
            "ix_tasks_ready_heat",
            "process_id",
            "element_id",
            "unit_path",
            "created_at",
            **ONLY_READY,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    business_key: Mapped[str] = mapped_column(String(100))
    process_id: Mapped[str | None] = mapped_column(String(100))  # the instance's (heatmap)
    element_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(100))
    unit_key: Mapped[str | None] = mapped_column(String(100))
    unit_path: Mapped[str | None] = mapped_column(String(400))
    assignee: Mapped[str | None] = mapped_column(String(100))
    form: Mapped[str | None] = mapped_column(String(200))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="ready")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(100))


class JournalEntry(Base):
    """Append-only audit record: who did what, when, why, with which data."""

    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Wakeup(Base):
    """When an instance next needs the engine: its earliest waiting timer.

    The database, not Redis, is the truth: RQ wakes instances on time, and a periodic sweep
    re-enqueues any row that is due but was not fired (Redis flushed, worker killed).
    """

    __tablename__ = "wakeups"

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    timer_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(40))
