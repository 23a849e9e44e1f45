"""Case use cases: report, inbox, claim/unclaim, complete a task, read a case.

Each function opens one unit of work, checks who may act, calls the engine and the domain,
updates the case row and commits once. Web, CLI and jobs call only these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from engine import instances
from engine.db import utcnow
from engine.errors import ConflictError, FieldErrors, ForbiddenError
from engine.models import JournalEntry, TaskRecord
from engine.repositories import Visibility
from workflows.auth import Actor
from workflows.context import GridcaseContext
from workflows.forms import validate_form
from workflows.models import Case
from workflows.org import Unit
from workflows.progress import after_commit, apply_transition, refresh_status
from workflows.repositories import InboxFilter
from workflows.routing import review_unit_for, suggested_department, top_review_level
from workflows.uow import CaseUnitOfWork


@dataclass(frozen=True)
class NewCase:
    """What a reporter submits."""

    category: str
    description: str
    title: str = ""
    priority: str = "normal"
    channel: str = "grid_worker"
    grid: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    photos: Sequence[str] = ()
    event_code: str | None = None
    reporter_name: str = ""
    reporter_phone: str = ""


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
    return Visibility(person=actor.username, grants=actor.grants, subtrees=subtrees)


def may_work(actor: Actor, task: TaskRecord) -> bool:
    """Whether the actor may claim or complete the task: its holder, or its role in its unit."""
    return task.assignee == actor.username or actor.holds(task.role, task.unit_key)


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


def _grid_for(ctx: GridcaseContext, actor: Actor, new: NewCase) -> Unit:
    directory = ctx.directory
    if new.grid:
        if new.grid not in directory or directory.get(new.grid).level != "grid":
            raise FieldErrors({"grid": [f"{new.grid} is not a grid"]})
        return directory.get(new.grid)
    if new.lat is not None and new.lon is not None:
        return directory.nearest_grid(new.lat, new.lon)
    own = [u for u in actor.units_with("grid_worker") if u in directory]
    if own:
        return directory.get(own[0])
    raise FieldErrors({"grid": ["give a grid or coordinates to locate the case"]})


def _check_new_case(ctx: GridcaseContext, new: NewCase) -> None:
    catalog = ctx.catalog
    errors: dict[str, list[str]] = {}
    if new.category not in catalog.categories:
        errors["category"] = [f"unknown category {new.category!r}"]
    elif new.priority not in catalog.category(new.category).time_limits:
        errors["priority"] = [f"category {new.category} has no priority {new.priority!r}"]
    if new.channel not in catalog.channels:
        errors["channel"] = [f"unknown channel {new.channel!r}"]
    if new.event_code and new.event_code not in catalog.subclasses:
        errors["event_code"] = [f"unknown event code {new.event_code!r}"]
    if errors:
        raise FieldErrors(errors)


def report_case(ctx: GridcaseContext, actor: Actor, new: NewCase) -> CaseDetail:
    """Register a reported case and start its process.

    Raises:
        FieldErrors: unknown category, priority, channel, event code or grid.
    """
    _check_new_case(ctx, new)
    category = ctx.catalog.category(new.category)
    grid = _grid_for(ctx, actor, new)
    review_unit = review_unit_for(ctx.directory, ctx.catalog, grid.key, new.channel)
    with ctx.uow() as uow:
        now = utcnow()
        case = Case(
            number=uow.cases.next_number(now.astimezone(UTC).year),
            process_id=category.process,
            stream=category.stream,
            category=category.code,
            event_code=new.event_code,
            priority=new.priority,
            channel=new.channel,
            title=new.title or new.description[:60],
            description=new.description,
            address=new.address,
            lat=new.lat,
            lon=new.lon,
            photos=list(new.photos),
            grid_key=grid.key,
            review_unit_key=review_unit.key,
            reporter_user_id=actor.user_id,
            reporter_name=new.reporter_name or actor.display_name,
            reporter_phone=new.reporter_phone,
            created_at=now,
            updated_at=now,
        )
        uow.cases.add(case)
        start_data = {
            "case_id": case.id,
            "case_number": case.number,
            "category": case.category,
            "priority": case.priority,
            "grid": grid.key,
            "review_unit": review_unit.key,
            "reporter_user": actor.username,
            "return_count": 0,
            "rework_count": 0,
            "escalation_count": 0,
        }
        transition = instances.start_instance(
            uow, ctx.engine, category.process, case.number, start_data, actor.username
        )
        case.instance_id = transition.instance.id
        notices = apply_transition(ctx, uow, case, transition)
        uow.commit()
        after_commit(ctx, [transition], notices)
        return _detail(ctx, uow, actor, case, transition.data)


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
        _check_domain_rules(ctx, uow, case, data)
        transition = instances.complete_task(uow, ctx.engine, task_id, data, actor.username)
        notices = apply_transition(ctx, uow, case, transition)
        if data.get("duplicate_of"):
            case.duplicate_of_id = uow.cases.by_number(data["duplicate_of"]).id
        uow.commit()
        after_commit(ctx, [transition], notices)
        return _detail(ctx, uow, actor, case, transition.data)


def get_case(ctx: GridcaseContext, actor: Actor, number: str) -> CaseDetail:
    """Raises: NotFoundError; ForbiddenError when the actor may not see the case."""
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        if not may_see_case(ctx, uow, actor, case):
            raise ForbiddenError(f"{actor.username} may not see case {number}")
        return _detail(ctx, uow, actor, case)


def _check_domain_rules(
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
    department = data.get("department")
    if department is not None and (
        department not in directory or not directory.get(department).is_department
    ):
        errors["department"] = [f"{department} is not a department"]
    if errors:
        raise FieldErrors(errors)


def _detail(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case,
    data: dict[str, Any] | None = None,
) -> CaseDetail:
    """Everything a case page shows; ``data`` saves reloading the workflow when known."""
    instance = uow.instances.get(case.instance_id) if case.instance_id else None
    tasks: list[TaskView] = []
    history: Sequence[JournalEntry] = []
    if instance is not None:
        version = uow.versions.get(instance.version_id)
        for record in uow.tasks.for_instance(instance.id):
            schema = version.forms.get(record.form) if record.form else None
            tasks.append(TaskView(record, case, schema, may_work(actor, record)))
        if data is None:
            data = instances.load_data(uow, ctx.engine, instance)
        history = uow.journal.for_instance(instance.id)
    suggestion = None
    if case.status == "registered":
        suggestion = suggested_department(ctx.directory, ctx.catalog, case.category, case.grid_key)
    duplicate = uow.cases.get(case.duplicate_of_id).number if case.duplicate_of_id else None
    return CaseDetail(case, tasks, history, data or {}, suggestion, {"duplicate_of": duplicate})
