"""Instance operations inside a unit of work: start, complete, claim, unclaim.

Each call loads the workflow, advances it, then writes state, the task projection and the
journal in the caller's transaction. The caller (a use case) commits once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect

from engine.assignment import Assigner, Assignment
from engine.clock import Clock
from engine.errors import ConflictError, NotFoundError, Phrase
from engine.host import Emitted, EndState, Message, ReadyTask, WaitingTimer, WorkflowHost
from engine.live_workflows import LiveWorkflows
from engine.models import JournalEntry, ProcessInstance, ProcessVersion, TaskRecord, Wakeup
from engine.spec_registry import ParsedSpec, SpecRegistry
from engine.uow import UnitOfWork

T = TypeVar("T")


@dataclass
class Transition:
    """The outcome of one operation on an instance."""

    instance: ProcessInstance
    data: dict[str, Any]
    opened: list[TaskRecord] = field(default_factory=list)
    closed: list[TaskRecord] = field(default_factory=list)
    ready: list[TaskRecord] = field(default_factory=list)
    end: EndState | None = None
    events: list[Emitted] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    wakeup: Wakeup | None = None
    workflow: Any = None  # the live workflow the operation left, for reading its state


@dataclass
class Runtime:
    """What instance operations need besides the unit of work: the host that runs
    SpiffWorkflow, the registry of parsed specs, the domain's assigner and the workflows
    kept alive between steps."""

    host: WorkflowHost
    registry: SpecRegistry
    assigner: Assigner
    live: LiveWorkflows = field(default_factory=LiveWorkflows)

    @property
    def clock(self) -> Clock:
        return self.host.clock

    def parsed(self, version: ProcessVersion) -> ParsedSpec:
        """The version's parsed spec; its text and forms are read only to parse them."""
        parsed = self.registry.known(version.content_hash) or self.registry.parsed(
            version.process_id,
            version.content_hash,
            version.file_name,
            version.bpmn_xml,
            version.forms,
        )
        self.registry.remember(version.id, version.name, parsed)
        return parsed

    def spec_of(self, uow: UnitOfWork, version_id: int) -> ParsedSpec:
        """A version's parsed spec and forms, reading the version row only the first time
        this process needs it (versions are immutable)."""
        return self.named_spec_of(uow, version_id)[0]

    def form_of(
        self, uow: UnitOfWork, task: TaskRecord, instance: ProcessInstance | None = None
    ) -> Mapping[str, Any] | None:
        """The JSON schema of a task's form (None: a step without a form); ``instance``:
        the task's, when the caller holds it already."""
        if not task.form:
            return None
        instance = instance or uow.instances.get(task.instance_id)
        return self.spec_of(uow, instance.version_id).forms.get(task.form)

    def named_spec_of(self, uow: UnitOfWork, version_id: int) -> tuple[ParsedSpec, str]:
        """:meth:`spec_of` with the version's name."""
        found = self.registry.of_version(version_id)
        if found is None:
            version = uow.versions.get(version_id)
            return self.parsed(version), version.name
        return found


def journal(
    uow: UnitOfWork,
    instance: ProcessInstance | None,
    actor: str,
    action: str,
    *,
    task: TaskRecord | None = None,
    reason: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> JournalEntry:
    """Append one audit record in the current transaction."""
    entry = JournalEntry(
        instance_id=instance.id if instance else None,
        business_key=instance.business_key if instance else None,
        at=uow.now(),
        actor=actor,
        action=action,
        task_id=task.id if task else None,
        element_id=task.element_id if task else None,
        reason=reason,
        payload=dict(payload or {}),
    )
    uow.journal.add(entry)
    return entry


def start_instance(
    uow: UnitOfWork,
    runtime: Runtime,
    process_id: str,
    business_key: str,
    data: Mapping[str, Any],
    actor: str,
    message: Message | None = None,
) -> Transition:
    """Start the latest version of ``process_id`` and project its first tasks; ``message``
    triggers a message start event.

    Raises:
        NotFoundError: no version of the process is deployed.
        WorkflowStepError: a script or condition failed before the first wait.
    """
    version = uow.versions.latest(process_id)
    if version is None:
        raise NotFoundError(f"process {process_id!r} is not deployed")
    wf = runtime.host.start(runtime.parsed(version), data, message)
    now = uow.now()
    instance = ProcessInstance(
        version_id=version.id,
        process_id=process_id,
        business_key=business_key,
        state="",  # written once, by the projection below
        created_at=now,
        updated_at=now,
    )
    uow.instances.add(instance)
    uow.tasks.hold_none(instance.id)
    journal(uow, instance, actor, "started", payload={"version": version.version, **data})
    return project(uow, runtime, instance, wf, actor)


def complete_task(
    uow: UnitOfWork,
    runtime: Runtime,
    task_id: str,
    data: Mapping[str, Any],
    actor: str,
) -> Transition:
    """Complete a ready task as ``actor`` and advance its instance.

    Raises:
        NotFoundError: unknown task.
        ConflictError: the task is finished, held by someone else, or the instance changed.
        WorkflowStepError: a condition or script failed while advancing.
    """
    record = uow.tasks.get(task_id)
    if record.state != "ready":
        raise ConflictError(Phrase("this step is already done"))
    if record.assignee and record.assignee != actor:
        raise ConflictError(Phrase("%(name)s has claimed this step", name=record.assignee))
    instance = uow.instances.get(record.instance_id)
    if instance.status == "suspended":
        raise ConflictError(
            Phrase("%(number)s is suspended; resume it first", number=instance.business_key)
        )
    wf = load_workflow(uow, runtime, instance)
    runtime.host.complete(wf, task_id, data)
    record.state = "completed"
    record.completed_at = uow.now()
    record.completed_by = actor
    journal(uow, instance, actor, "completed", task=record, payload=data)
    return project(uow, runtime, instance, wf, actor, completed=record)


def deliver_message(
    uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, message: Message, actor: str
) -> Transition:
    """Hand a message to a waiting instance and advance it.

    Raises:
        ConflictError: the instance is not waiting for that message.
        WorkflowStepError: a condition or script failed while advancing.
    """
    wf = load_workflow(uow, runtime, instance)
    runtime.host.deliver(wf, message)
    journal(uow, instance, actor, "message_received", payload={"message": message.name})
    return project(uow, runtime, instance, wf, actor)


@dataclass(frozen=True)
class Snapshot:
    """What an instance is doing now: its variables, awaited messages, armed timers."""

    data: dict[str, Any]
    waiting_messages: list[str]
    timers: list[WaitingTimer]


def snapshot(
    uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, wf: Any = None
) -> Snapshot:
    """Read from ``wf`` when the caller has the workflow in hand (an operation just ran on
    it), else from the instance's (see :func:`read_workflow`)."""
    host = runtime.host
    running = instance.status != "completed"

    def read(wf: Any) -> Snapshot:
        return Snapshot(
            data=host.data(wf),
            waiting_messages=host.waiting_messages(wf) if running else [],
            timers=host.waiting_timers(wf) if running else [],
        )

    return read(wf) if wf is not None else read_workflow(uow, runtime, instance, read)


def message_starts(uow: UnitOfWork, runtime: Runtime) -> dict[str, str]:
    """Message name → process whose latest version starts on that message."""
    found = {}
    for version in uow.versions.latest_each():
        name = runtime.host.start_message(runtime.parsed(version))
        if name is not None:
            found[name] = version.process_id
    return found


def reassign_task(
    uow: UnitOfWork,
    task_id: str,
    assignment: Assignment,
    actor: str,
    reason: str,
    *,
    action: str = "reassigned",
) -> TaskRecord:
    """Point a ready task at another unit and/or person (a supervisor's override, or a
    holder's delegation with ``action="delegated"``).

    Raises:
        ConflictError: the task is finished.
    """
    record = _ready(uow, task_id)
    before = {"unit": record.unit_key, "assignee": record.assignee}
    record.unit_key = assignment.unit_key or record.unit_key
    record.unit_path = assignment.unit_path or record.unit_path
    record.role = assignment.role or record.role
    record.assignee = assignment.assignee
    record.claimed_at = uow.now() if assignment.assignee else None
    journal(
        uow,
        uow.instances.get(record.instance_id),
        actor,
        action,
        task=record,
        reason=reason,
        payload={"from": before, "to": {"unit": record.unit_key, "assignee": record.assignee}},
    )
    return record


def terminate(
    uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, actor: str, reason: str
) -> Transition:
    """End a running instance for good; its waiting tasks are withdrawn.

    Raises:
        ConflictError: the instance already ended.
    """
    if instance.status in ("completed", "terminated"):
        raise ConflictError(f"{instance.business_key} already ended")
    wf = load_workflow(uow, runtime, instance)
    runtime.host.terminate(wf)
    journal(uow, instance, actor, "terminated", reason=reason)
    result = project(uow, runtime, instance, wf, actor)
    instance.status = "terminated"
    instance.ended_at = uow.now()
    uow.wakeups.set(instance.id, None)
    return result


def claim_task(uow: UnitOfWork, task_id: str, actor: str) -> TaskRecord:
    """Take a ready task for oneself.

    Raises:
        ConflictError: it is finished or someone else holds it.
    """
    record = _ready(uow, task_id)
    if record.assignee == actor:
        return record
    if not uow.tasks.set_assignee(task_id, actor, None, uow.now()):
        raise ConflictError(Phrase("%(name)s has claimed this step", name=record.assignee))
    journal(uow, uow.instances.get(record.instance_id), actor, "claimed", task=record)
    return uow.tasks.get(task_id)


def unclaim_task(
    uow: UnitOfWork, task_id: str, actor: str, *, reason: str | None = None, force: bool = False
) -> TaskRecord:
    """Give a claimed task back to its unit (``force`` lets a supervisor take it from anyone).

    Raises:
        ConflictError: the task is finished or held by someone else.
    """
    record = _ready(uow, task_id)
    holder = record.assignee
    if holder is None:
        return record
    if holder != actor and not force:
        raise ConflictError(Phrase("%(name)s has claimed this step", name=holder))
    if not uow.tasks.set_assignee(task_id, None, holder, None):
        raise ConflictError(Phrase("the case was changed by someone else; reload and retry"))
    journal(
        uow,
        uow.instances.get(record.instance_id),
        actor,
        "unclaimed",
        task=record,
        reason=reason,
        payload={"from": holder},
    )
    return uow.tasks.get(task_id)


def _ready(uow: UnitOfWork, task_id: str) -> TaskRecord:
    record = uow.tasks.get(task_id)
    if record.state != "ready":
        raise ConflictError(Phrase("this step is already done"))
    return record


def read_ahead(uow: UnitOfWork, instance_ids: Sequence[int]) -> list[Any]:
    """Read what operations on these instances will read (instance rows, wake-up rows,
    waiting tasks) in three statements instead of three each. Keep the returned rows
    while working: the session holds rows only weakly."""
    return [
        *uow.instances.get_many(instance_ids),
        *uow.wakeups.get_many(instance_ids),
        *uow.tasks.hold_ready(instance_ids),
    ]


def load_workflow(uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance) -> Any:
    """The instance's workflow, the caller's alone: the one the last step on it left in
    this process when its state is still the one committed, else rebuilt from the state."""
    kept = runtime.live.take(instance.id, instance.lock_version)
    if kept is not None and _as_committed(uow, instance):
        return kept
    return runtime.host.load(runtime.spec_of(uow, instance.version_id), instance.state)


def read_workflow(
    uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, read: Callable[[Any], T]
) -> T:
    """``read(workflow)`` on the instance's workflow, which is then kept alive again for the
    next step (``read`` must change nothing)."""
    wf = load_workflow(uow, runtime, instance)
    found = read(wf)
    if _as_committed(uow, instance):
        runtime.live.keep(instance.id, instance.lock_version, wf)
    return found


# The instances whose state this transaction has written (in ``session.info``).
WRITTEN = "instances written"


def _as_committed(uow: UnitOfWork, instance: ProcessInstance) -> bool:
    """Whether the instance's state and lock version are still as committed: this
    transaction has neither changed nor written them."""
    if instance.id in uow.session.info.get(WRITTEN, ()):
        return False
    return not inspect(instance).attrs.state.history.has_changes()


def _hand_on(live: LiveWorkflows, instance: ProcessInstance, wf: Any, state: str) -> None:
    """Keep ``wf`` for the next step if ``state``, dumped from it, is what was committed
    (read from the loaded attributes: the session has closed)."""
    committed = inspect(instance).dict
    if committed.get("state") is state and committed.get("lock_version") is not None:
        live.keep(instance.id, committed["lock_version"], wf)


def _record_properties(task: ReadyTask) -> dict[str, Any]:
    """The task's properties; a ``subject`` property names the variable that says what this
    one of several parallel tasks is about (which department a rating is for), and its
    value is kept as ``subject_value`` for inboxes."""
    properties: dict[str, Any] = dict(task.properties)
    subject = properties.get("subject")
    if subject:
        properties["subject_value"] = task.data.get(subject)
    return properties


def _set_due_times(ready: list[TaskRecord], timers: list[WaitingTimer]) -> None:
    """A task's deadline is its attached ``overdue`` timer, when it has one."""
    overdue = {t.activity_id: t.due for t in timers if t.kind == "overdue"}
    for record in ready:
        if record.id in overdue:
            record.due_at = overdue[record.id]


def _next_wakeup(instance_id: int, timers: list[WaitingTimer]) -> Wakeup | None:
    if not timers:
        return None
    first = min(timers, key=lambda t: t.due)
    return Wakeup(
        instance_id=instance_id,
        due_at=first.due,
        timer_task_id=first.task_id,
        element_id=first.element_id,
        kind=first.kind,
    )


def project(
    uow: UnitOfWork,
    runtime: Runtime,
    instance: ProcessInstance,
    wf: Any,
    actor: str,
    completed: TaskRecord | None = None,
) -> Transition:
    """Write state and bring the task projection in line with the workflow's ready tasks
    (flushed with the rest of the transaction: a lost race surfaces at its commit)."""
    now = uow.now()
    host = runtime.host
    look = host.look(wf)
    ready = {t.id: t for t in look.ready}
    existing = {r.id: r for r in uow.tasks.ready_for_instance(instance.id)}
    result = Transition(instance=instance, data=look.data, workflow=wf)
    if completed is not None:
        existing.pop(completed.id, None)
        result.closed.append(completed)
    for task_id, record in existing.items():
        if task_id not in ready:
            record.state = "cancelled"
            record.completed_at = now
            result.closed.append(record)
            journal(uow, instance, "system", "cancelled", task=record)
    for task_id, task in ready.items():
        if task_id in existing:
            result.ready.append(existing[task_id])
            continue
        assignment = runtime.assigner.assign(task)
        record = TaskRecord(
            id=task_id,
            instance_id=instance.id,
            business_key=instance.business_key,
            process_id=instance.process_id,
            element_id=task.element_id,
            title=task.title,
            lane=task.lane,
            role=assignment.role,
            unit_key=assignment.unit_key,
            unit_path=assignment.unit_path,
            assignee=assignment.assignee,
            form=task.form,
            properties=_record_properties(task),
            state="ready",
            created_at=now,
            due_at=assignment.due_at,
        )
        uow.tasks.add(record)
        result.opened.append(record)
        result.ready.append(record)
        journal(
            uow,
            instance,
            "system",
            "opened",
            task=record,
            payload={"role": record.role, "unit": record.unit_key, "assignee": record.assignee},
        )
    _set_due_times(result.ready, look.timers)
    result.wakeup = _next_wakeup(instance.id, look.timers)
    uow.wakeups.set(instance.id, result.wakeup)
    result.events = look.emitted
    for event in result.events:
        journal(uow, instance, actor, event.kind, payload={"element_id": event.element_id})
    result.waiting = look.statuses
    result.messages = host.take_messages(wf)
    for message in result.messages:
        journal(uow, instance, actor, "message_sent", payload={"message": message.name})
    instance.state = host.dump(wf)
    instance.updated_at = now
    uow.session.info.setdefault(WRITTEN, set()).add(instance.id)
    uow.after_close(_hand_on, runtime.live, instance, wf, instance.state)
    result.end = look.end
    if result.end is not None:
        instance.status = "completed"
        instance.end_event = result.end.element_id
        instance.ended_at = now
        journal(uow, instance, actor, "ended", payload={"end_event": result.end.element_id})
    return result
