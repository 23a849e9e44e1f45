"""Queries over the engine's tables, in SQLAlchemy 2 style. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select, update
from sqlalchemy.orm import Session, defer

from engine.db import upsert_insert
from engine.errors import NotFoundError
from engine.models import JournalEntry, ProcessInstance, ProcessVersion, TaskRecord, Wakeup


class VersionRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, version: ProcessVersion) -> None:
        self.session.add(version)

    def get(self, version_id: int) -> ProcessVersion:
        found = self.session.get(ProcessVersion, version_id)
        if found is None:
            raise NotFoundError(f"process version {version_id} not found")
        return found

    def latest(self, process_id: str) -> ProcessVersion | None:
        """The newest version; its text and forms (tens of KB) are read only if asked for:
        starting an instance takes the parsed spec from the registry."""
        stmt = (
            select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version.desc())
            .limit(1)
            .options(defer(ProcessVersion.bpmn_xml), defer(ProcessVersion.forms))
        )
        return self.session.scalars(stmt).first()

    def all(self) -> Sequence[ProcessVersion]:
        stmt = select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version)
        return self.session.scalars(stmt).all()

    def latest_each(self) -> list[ProcessVersion]:
        """The newest version of every deployed process."""
        newest = (
            select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v"))
            .group_by(ProcessVersion.process_id)
            .subquery()
        )
        stmt = select(ProcessVersion).join(
            newest,
            (ProcessVersion.process_id == newest.c.process_id)
            & (ProcessVersion.version == newest.c.v),
        )
        return list(self.session.scalars(stmt))

    def instance_counts(self) -> dict[int, dict[str, int]]:
        """Instances per version and status: ``{version_id: {status: n}}``."""
        stmt = select(ProcessInstance.version_id, ProcessInstance.status, func.count()).group_by(
            ProcessInstance.version_id, ProcessInstance.status
        )
        counts: dict[int, dict[str, int]] = {}
        for version_id, status, n in self.session.execute(stmt):
            counts.setdefault(version_id, {})[status] = n
        return counts


class InstanceRepository:
    def __init__(self, session: Session):
        self.session = session

    def open_on_older_versions(self, target: ProcessVersion, limit: int = 500) -> list[Any]:
        """Running or suspended instances of ``target``'s process on an earlier version,
        with their version number."""
        stmt = (
            select(ProcessInstance, ProcessVersion.version)
            .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
            .where(
                ProcessVersion.process_id == target.process_id,
                ProcessVersion.version < target.version,
                ProcessInstance.status.in_(("running", "suspended")),
            )
            .order_by(ProcessInstance.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).all())

    def add(self, instance: ProcessInstance) -> None:
        self.session.add(instance)
        self.session.flush()

    def get_many(self, instance_ids: Sequence[int]) -> list[ProcessInstance]:
        """Several instances in one statement; a later :meth:`get` of one reads nothing
        while the caller keeps the list (the session holds rows only weakly)."""
        stmt = select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))
        return list(self.session.scalars(stmt))

    def get(self, instance_id: int) -> ProcessInstance:
        found = self.session.get(ProcessInstance, instance_id)
        if found is None:
            raise NotFoundError(f"process instance {instance_id} not found")
        return found


@dataclass(frozen=True)
class Visibility:
    """Which tasks a person may see: role grants in units, supervision of subtrees, own tasks.

    ``grants`` are ``(role, unit_key)`` pairs; ``subtrees`` are unit paths whose whole
    subtree is visible (supervisors); ``person`` sees tasks assigned to them.
    """

    person: str
    grants: tuple[tuple[str, str], ...] = ()
    subtrees: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # people whose own tasks this person sees too (a substitute)

    def branches(self) -> list[ColumnElement[bool]]:
        """One condition per way of seeing a task, each matching an index of ready tasks
        (so that a list can read each branch in order and merge them)."""
        parts: list[ColumnElement[bool]] = [TaskRecord.assignee.in_((self.person, *self.also))]
        parts += [
            and_(TaskRecord.role == role, TaskRecord.unit_key == unit) for role, unit in self.grants
        ]
        parts += [TaskRecord.unit_path.startswith(path, autoescape=True) for path in self.subtrees]
        return parts

    def clause(self) -> ColumnElement[bool]:
        parts = self.branches()
        return or_(*parts) if parts else false()


# session.info key: {instance id: its waiting tasks as ``TaskRepository.for_step`` read them},
# until the next ``ready_for_instance`` of the instance takes them.
READY_HELD = "ready tasks held"


class TaskRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, task: TaskRecord) -> None:
        self.session.add(task)

    def get(self, task_id: str) -> TaskRecord:
        found = self.session.get(TaskRecord, task_id)
        if found is None:
            raise NotFoundError(f"task {task_id} not found")
        return found

    def for_step(self, task_id: str, joined: Any) -> tuple[TaskRecord, ProcessInstance, Any]:
        """The task, its instance, the row of ``joined`` (an entity with an ``instance_id``,
        say the case) and the instance's other waiting tasks, in one statement: a step then
        reads nothing more. The caller keeps the instance while it works (the session holds
        rows only weakly); the next :meth:`ready_for_instance` of it answers from here.

        Raises: NotFoundError (no such task, or none of ``joined`` for its instance).
        """
        of_task = select(TaskRecord.instance_id).where(TaskRecord.id == task_id)
        stmt = (
            select(TaskRecord, ProcessInstance, joined)
            .join(ProcessInstance, ProcessInstance.id == TaskRecord.instance_id)
            .join(joined, joined.instance_id == TaskRecord.instance_id)
            .where(
                TaskRecord.instance_id == of_task.scalar_subquery(),
                or_(TaskRecord.state == "ready", TaskRecord.id == task_id),
            )
            # Two people doing one step: the second waits here for the first to commit and
            # then reads the step done (the waiting tasks are read once, not again later).
            .with_for_update(of=TaskRecord)
            # The state is read only if the workflow is not kept alive in this process.
            .options(defer(ProcessInstance.state))
        )
        rows = self.session.execute(stmt).all()
        found = next((row for row in rows if row[0].id == task_id), None)
        if found is None:
            raise NotFoundError(f"task {task_id} not found")
        task, instance, other = found
        self.session.info.setdefault(READY_HELD, {})[instance.id] = [row[0] for row in rows]
        return task, instance, other

    def hold_ready(self, instance_ids: Sequence[int]) -> list[TaskRecord]:
        """Read the waiting tasks of several instances in one statement, for the next
        :meth:`ready_for_instance` of each (the caller keeps the list while it works)."""
        stmt = select(TaskRecord).where(
            TaskRecord.instance_id.in_(instance_ids), TaskRecord.state == "ready"
        )
        found = list(self.session.scalars(stmt))
        held = self.session.info.setdefault(READY_HELD, {})
        for instance_id in instance_ids:
            held[instance_id] = [t for t in found if t.instance_id == instance_id]
        return found

    def hold_none(self, instance_id: int) -> None:
        """A new instance has no waiting tasks: its next :meth:`ready_for_instance` reads
        nothing."""
        self.session.info.setdefault(READY_HELD, {})[instance_id] = []

    def ready_for_instance(self, instance_id: int) -> Sequence[TaskRecord]:
        held = self.session.info.get(READY_HELD, {}).pop(instance_id, None)
        if held is not None:  # held by one of the above, nothing flushed for it since
            added = [t for t in self.session.new if isinstance(t, TaskRecord)]
            return [
                t for t in (*held, *added) if t.instance_id == instance_id and t.state == "ready"
            ]
        stmt = select(TaskRecord).where(
            TaskRecord.instance_id == instance_id, TaskRecord.state == "ready"
        )
        return self.session.scalars(stmt).all()

    def for_instance(self, instance_id: int) -> Sequence[TaskRecord]:
        stmt = (
            select(TaskRecord)
            .where(TaskRecord.instance_id == instance_id)
            .order_by(TaskRecord.created_at, TaskRecord.id)
        )
        return self.session.scalars(stmt).all()

    def set_assignee(
        self, task_id: str, assignee: str | None, expect: str | None, at: datetime | None
    ) -> bool:
        """Atomically change the assignee if it is still ``expect``; False if it was not."""
        holder = TaskRecord.assignee.is_(None) if expect is None else TaskRecord.assignee == expect
        stmt = (
            update(TaskRecord)
            .where(TaskRecord.id == task_id, TaskRecord.state == "ready", holder)
            .values(assignee=assignee, claimed_at=at)
            .execution_options(synchronize_session="fetch")
        )
        return self.session.execute(stmt).rowcount == 1


class JournalRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, entry: JournalEntry) -> None:
        self.session.add(entry)

    def for_instance(self, instance_id: int) -> Sequence[JournalEntry]:
        stmt = (
            select(JournalEntry)
            .where(JournalEntry.instance_id == instance_id)
            .order_by(JournalEntry.at, JournalEntry.id)
        )
        return self.session.scalars(stmt).all()


class WakeupRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, instance_id: int) -> Wakeup | None:
        return self.session.get(Wakeup, instance_id)

    def get_many(self, instance_ids: Sequence[int]) -> list[Wakeup]:
        """Several wake-up rows in one statement (kept by the caller, as for instances)."""
        stmt = select(Wakeup).where(Wakeup.instance_id.in_(instance_ids))
        return list(self.session.scalars(stmt))

    def set(self, instance_id: int, wakeup: Wakeup | None) -> None:
        """Replace the instance's wake-up row (``None`` removes it): one upsert or delete,
        unless this session holds the row already (then through it, to keep it true)."""
        key = self.session.identity_key(Wakeup, instance_id)
        current = self.session.identity_map.get(key)
        if current is None:
            self._write(instance_id, wakeup)
        elif wakeup is None:
            self.session.delete(current)
        else:
            current.due_at = wakeup.due_at
            current.timer_task_id = wakeup.timer_task_id
            current.element_id = wakeup.element_id
            current.kind = wakeup.kind

    def _write(self, instance_id: int, wakeup: Wakeup | None) -> None:
        # A plain statement on the table: the session holds no such row to keep in step,
        # and the step's other rows are not flushed for it (they go in the commit's flush).
        table = Wakeup.__table__
        if wakeup is None:
            stmt = delete(table).where(table.c.instance_id == instance_id)
        else:
            values = {
                "due_at": wakeup.due_at,
                "timer_task_id": wakeup.timer_task_id,
                "element_id": wakeup.element_id,
                "kind": wakeup.kind,
            }
            insert = upsert_insert(self.session)(table).values(instance_id=instance_id, **values)
            stmt = insert.on_conflict_do_update(index_elements=["instance_id"], set_=values)
        self.session.connection().execute(stmt)

    def next_due(self, after: datetime) -> datetime | None:
        """The earliest wake-up time later than ``after``."""
        return self.session.scalar(select(func.min(Wakeup.due_at)).where(Wakeup.due_at > after))

    def claim_due(self, now: datetime, limit: int) -> list[int]:
        """Up to ``limit`` instances due by ``now``, oldest first, their wake-up rows locked
        for this transaction; on PostgreSQL rows another worker holds are skipped, so that
        workers draining at once share the work instead of queueing on each other."""
        stmt = (
            select(Wakeup.instance_id)
            .where(Wakeup.due_at <= now)
            .order_by(Wakeup.due_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return list(self.session.scalars(stmt))

    def due_with_times(self, now: datetime, limit: int = 5000) -> list[tuple[int, datetime]]:
        """Instances whose wake-up time has passed, with that time, oldest first."""
        stmt = (
            select(Wakeup.instance_id, Wakeup.due_at)
            .where(Wakeup.due_at <= now)
            .order_by(Wakeup.due_at)
            .limit(limit)
        )
        return [(i, d) for i, d in self.session.execute(stmt)]
