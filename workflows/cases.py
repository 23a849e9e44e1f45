"""Case use cases: report, inbox, claim/unclaim, complete a task, read a case.

Each function opens one unit of work, checks who may act, calls the engine and the domain,
updates the case row and commits once. Web, CLI and jobs call only these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine import instances
from engine.db import utcnow
from engine.errors import ConflictError, FieldErrors, ForbiddenError
from engine.host import WaitingTimer
from engine.models import JournalEntry, TaskRecord
from engine.repositories import Visibility
from workflows.auth import Actor
from workflows.context import GridcaseContext
from workflows.forms import validate_form
from workflows.intake import NewCase, Opener, check_new_case, locate, open_case
from workflows.models import Attachment, Case, DepartmentMark, SensorReading
from workflows.org import Unit
from workflows.progress import after_commit, refresh_status, settle
from workflows.repositories import InboxFilter
from workflows.routing import review_unit_for, suggested_department, top_review_level
from workflows.uow import CaseUnitOfWork

# Form fields that name departments (one, or a list): checked against the org tree.
DEPARTMENT_FIELDS = ("department", "lead", "co_handlers", "invited", "whistle_departments")


@dataclass
class TaskView:
    """A projected task with the case facts an inbox shows."""

    task: TaskRecord
    case: Case
    form_schema: Mapping[str, Any] | None = None
    may_complete: bool = False

    @property
    def overdue(self) -> bool:
        return self.task.due_at is not None and self.task.due_at < utcnow()


@dataclass
class CaseDetail:
    case: Case
    tasks: list[TaskView]
    history: Sequence[JournalEntry]
    data: dict[str, Any]
    suggested_department: Unit | None = None
    links: dict[str, str | None] = field(default_factory=dict)
    parent: Case | None = None
    children: Sequence[Case] = ()
    merged: Sequence[Case] = ()
    marks: Sequence[DepartmentMark] = ()
    readings: Sequence[SensorReading] = ()
    waiting_for: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    timers: Sequence[WaitingTimer] = ()
    error: str | None = None  # a step that failed in the background, until retried
    people: dict[str, str] = field(default_factory=dict)  # user name → display name


@dataclass(frozen=True)
class Page:
    items: list[TaskView]
    total: int
    page: int
    per_page: int


def _visibility(ctx: GridcaseContext, actor: Actor) -> Visibility:
    subtrees = tuple(
        ctx.directory.get(unit).path
        for unit in actor.units_with("supervisor")
        if unit in ctx.directory
    )
    return Visibility(
        person=actor.username, grants=actor.grants, subtrees=subtrees, also=actor.acting_for
    )


def may_work(actor: Actor, task: TaskRecord) -> bool:
    """Whether the actor may claim or complete the task: its holder, or its role in its unit."""
    held_by = task.assignee
    return (
        held_by == actor.username
        or held_by in actor.acting_for
        or actor.holds(task.role, task.unit_key)
    )


def may_see_case(ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, case: Case) -> bool:
    """The reporter, anyone holding a role over the case's grid, anyone who had a task on it."""
    if case.reporter_user_id == actor.user_id:
        return True
    grid_path = ctx.directory.get(case.grid_key).path
    for _role, unit_key in actor.grants:
        if unit_key in ctx.directory and grid_path.startswith(ctx.directory.get(unit_key).path):
            return True
    if case.instance_id is None:
        return False
    visibility = _visibility(ctx, actor)
    return any(
        t.assignee == actor.username
        or actor.holds(t.role, t.unit_key)
        or any((t.unit_path or "").startswith(p) for p in visibility.subtrees)
        for t in uow.tasks.for_instance(case.instance_id)
    )


def report_case(ctx: GridcaseContext, actor: Actor, new: NewCase) -> CaseDetail:
    """Register a reported case and start its process.

    Raises:
        FieldErrors: unknown category, priority, channel, event code or grid.
    """
    check_new_case(ctx, new)
    grid = locate(ctx, new, actor.units_with("grid_worker"))
    review_unit = review_unit_for(ctx.directory, ctx.catalog, grid.key, new.channel)
    opener = Opener(actor.username, actor.user_id, actor.display_name)
    with ctx.uow() as uow:
        case, transition = open_case(ctx, uow, new, opener, grid=grid, review_unit=review_unit)
        settled = settle(ctx, uow, case, transition)
        uow.commit()
        after_commit(ctx, settled.transitions, settled.notices)
        return _detail(ctx, uow, actor, case, settled.transitions)


def inbox(
    ctx: GridcaseContext,
    actor: Actor,
    flt: InboxFilter,
    *,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Tasks the actor may see, most urgent first."""
    per_page = max(1, min(per_page, 200))
    page = max(1, page)
    with ctx.uow() as uow:
        rows, total = uow.inbox.search(
            _visibility(ctx, actor), flt, limit=per_page, offset=(page - 1) * per_page
        )
        items = [TaskView(t, c, may_complete=may_work(actor, t)) for t, c in rows]
        return Page(items, total, page, per_page)


def _task_for(ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, task_id: str) -> TaskRecord:
    record = uow.tasks.get(task_id)
    if not may_work(actor, record):
        raise ForbiddenError(f"{actor.username} does not hold {record.role} in {record.unit_key}")
    return record


def claim(ctx: GridcaseContext, actor: Actor, task_id: str) -> TaskView:
    """Raises: NotFoundError, ForbiddenError, ConflictError (finished or held by another)."""
    with ctx.uow() as uow:
        _task_for(ctx, uow, actor, task_id)
        record = instances.claim_task(uow, task_id, actor.username)
        case = uow.cases.by_instance(record.instance_id)
        refresh_status(uow, case)
        uow.commit()
        return TaskView(record, case, may_complete=True)


def unclaim(ctx: GridcaseContext, actor: Actor, task_id: str) -> TaskView:
    """Raises: NotFoundError, ForbiddenError, ConflictError (held by another)."""
    with ctx.uow() as uow:
        _task_for(ctx, uow, actor, task_id)
        record = instances.unclaim_task(uow, task_id, actor.username)
        case = uow.cases.by_instance(record.instance_id)
        refresh_status(uow, case)
        uow.commit()
        return TaskView(record, case, may_complete=may_work(actor, record))


def complete(
    ctx: GridcaseContext, actor: Actor, task_id: str, submitted: Mapping[str, Any]
) -> CaseDetail:
    """Complete a task with form data and move the case on.

    Raises:
        NotFoundError: unknown task.
        ForbiddenError: the actor does not hold the task's role in its unit.
        FieldErrors: the data breaks the task's form or a domain rule (nothing is changed).
        ConflictError: the task is finished, claimed by another, or changed concurrently.
    """
    with ctx.uow() as uow:
        record = _task_for(ctx, uow, actor, task_id)
        if record.state != "ready":
            raise ConflictError(f"task {task_id} is already {record.state}")
        case = uow.cases.by_instance(record.instance_id)
        version = uow.versions.get(uow.instances.get(record.instance_id).version_id)
        schema = version.forms.get(record.form) if record.form else None
        data = validate_form(schema, submitted)
        check_domain_rules(ctx, uow, case, data)
        if record.assignee and record.assignee in actor.acting_for:
            instances.reassign_task(
                uow,
                task_id,
                instances.Assignment(record.role, None, None, actor.username),
                actor.username,
                f"standing in for {record.assignee}",
                action="substituted",
            )
        transition = instances.complete_task(uow, ctx.engine, task_id, data, actor.username)
        settled = settle(ctx, uow, case, transition)
        if data.get("duplicate_of"):
            case.duplicate_of_id = uow.cases.by_number(data["duplicate_of"]).id
        uow.commit()
        after_commit(ctx, settled.transitions, settled.notices)
        return _detail(ctx, uow, actor, case, settled.transitions)


def get_case(ctx: GridcaseContext, actor: Actor, number: str) -> CaseDetail:
    """Raises: NotFoundError; ForbiddenError when the actor may not see the case."""
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        if not may_see_case(ctx, uow, actor, case):
            raise ForbiddenError(f"{actor.username} may not see case {number}")
        return _detail(ctx, uow, actor, case)


@dataclass(frozen=True)
class Diagram:
    """A case's process diagram and where the case stands on it."""

    xml: str
    completed: list[str]
    active: list[str]
    overdue: list[str]


def get_task(ctx: GridcaseContext, actor: Actor, task_id: str) -> tuple[TaskView, CaseDetail]:
    """A task with its form schema, and its case.

    Raises: NotFoundError; ForbiddenError unless the actor may work on it or see its case.
    """
    with ctx.uow() as uow:
        record = uow.tasks.get(task_id)
        case = uow.cases.by_instance(record.instance_id)
        if not (may_work(actor, record) or may_see_case(ctx, uow, actor, case)):
            raise ForbiddenError(f"{actor.username} may not see task {task_id}")
        detail = _detail(ctx, uow, actor, case)
        view = next(t for t in detail.tasks if t.task.id == task_id)
        return view, detail


def diagram(ctx: GridcaseContext, actor: Actor, number: str) -> Diagram:
    """Raises: NotFoundError; ForbiddenError when the actor may not see the case."""
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        if not may_see_case(ctx, uow, actor, case):
            raise ForbiddenError(f"{actor.username} may not see case {number}")
        if case.instance_id is None:
            raise ConflictError(f"{number} has no process")
        instance = uow.instances.get(case.instance_id)
        states = ctx.engine.host.element_states(instances.load_workflow(uow, ctx.engine, instance))
        done, active = states["completed"], states["active"]
        now = utcnow()
        overdue = {
            t.element_id
            for t in uow.tasks.ready_for_instance(instance.id)
            if t.due_at is not None and t.due_at < now
        }
        return Diagram(
            xml=uow.versions.get(instance.version_id).bpmn_xml,
            completed=sorted(done - active),
            active=sorted(active - overdue),
            overdue=sorted(overdue),
        )


def check_domain_rules(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    case: Case,
    data: Mapping[str, Any],
) -> None:
    """Rules a JSON schema cannot express, keyed by well-known form fields."""
    errors: dict[str, list[str]] = {}
    directory = ctx.directory
    if data.get("decision") == "escalate" and top_review_level(directory, case.review_unit_key):
        errors["decision"] = ["already at the top level: cannot escalate further"]
    duplicate = data.get("duplicate_of")
    if duplicate:
        other = uow.cases.find_number(duplicate)
        if other is None:
            errors["duplicate_of"] = [f"case {duplicate} does not exist"]
        elif other.id == case.id:
            errors["duplicate_of"] = ["a case cannot be merged into itself"]
    for name in DEPARTMENT_FIELDS:
        value = data.get(name)
        chosen = value if isinstance(value, list) else [] if value is None else [value]
        wrong = [d for d in chosen if d not in directory or not directory.get(d).is_department]
        if wrong:
            errors[name] = [f"{', '.join(map(str, wrong))}: not a department"]
    if data.get("mode") == "whistle" and directory.get(case.review_unit_key).level != "street":
        errors["mode"] = ["only a street blows the whistle: escalate the case to the street first"]
    service = data.get("service_category")
    if service is not None and service not in ctx.catalog.categories:
        errors["service_category"] = [f"unknown category {service!r}"]
    if errors:
        raise FieldErrors(errors)


def _detail(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case,
    moved: Sequence[instances.Transition] = (),
) -> CaseDetail:
    """Everything a case page shows, from one load of the workflow state — none when the
    operations just ``moved`` left this case's workflow in hand."""
    instance = uow.instances.get(case.instance_id) if case.instance_id else None
    tasks: list[TaskView] = []
    history: Sequence[JournalEntry] = []
    now: instances.Snapshot | None = None
    if instance is not None:
        version = uow.versions.get(instance.version_id)
        for record in uow.tasks.for_instance(instance.id):
            schema = version.forms.get(record.form) if record.form else None
            tasks.append(TaskView(record, case, schema, may_work(actor, record)))
        mine = [t.workflow for t in moved if t.instance.id == instance.id]
        now = instances.snapshot(uow, ctx.engine, instance, mine[-1] if mine else None)
        history = uow.journal.for_instance(instance.id)
    suggestion = None
    if case.status == "registered":
        suggestion = suggested_department(ctx.directory, ctx.catalog, case.category, case.grid_key)
    duplicate = uow.cases.get(case.duplicate_of_id).number if case.duplicate_of_id else None
    return CaseDetail(
        case,
        tasks,
        history,
        now.data if now else {},
        suggestion,
        {"duplicate_of": duplicate},
        parent=uow.cases.get(case.parent_id) if case.parent_id else None,
        children=uow.cases.children(case.id),
        merged=uow.cases.merged_into(case.id),
        marks=uow.assessment.marks_for_case(case.id),
        readings=uow.assessment.readings_for_case(case.id),
        waiting_for=now.waiting_messages if now else [],
        attachments=uow.attachments.for_case(case.id),
        timers=now.timers if now else [],
        error=instance.error if instance else None,
        people=uow.users.display_names(
            {e.actor for e in history} | {t.task.assignee for t in tasks if t.task.assignee}
        ),
    )
