"""Case use cases: report, inbox, claim/unclaim, complete a task, read a case.

Each function opens one unit of work, checks who may act, calls the engine and the domain,
updates the case row and commits once; files that come with the action are kept in the same
transaction. Web, CLI and jobs call only these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from engine import instances
from engine.assignment import Assignment
from engine.host import WaitingTimer
from engine.models import JournalEntry, TaskRecord
from engine.repositories import Visibility
from workflows.adapters.models import Attachment, Case, DepartmentMark, SensorReading
from workflows.adapters.queries import COUNT_CAP, InboxFilter
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import Recipient
from workflows.domain.errors import (
    ConflictError,
    FieldErrors,
    ForbiddenError,
    OrderAlreadyReported,
    Phrase,
)
from workflows.domain.org import Unit
from workflows.domain.permissions import SEE_ALL_TASKS, Actor
from workflows.domain.routing import suggested_department
from workflows.domain.statuses import is_closed
from workflows.domain.step_tracker import TrackStep, track
from workflows.domain.task_forms import (
    answer_problems,
    closed_choices,
    offered,
    photo_fields,
    reclassified,
)
from workflows.services import attachments
from workflows.services.attachments import Upload
from workflows.services.case_progress import refresh_status, settle
from workflows.services.context import GridcaseContext
from workflows.services.intake import NewCase, Opener, check_new_case, locate, open_case
from workflows.services.notifications import add_notices

__all__ = ["CaseDetail", "InboxFilter", "NewCase", "Page", "Shown", "TaskView", "Upload"]

T = TypeVar("T")
Moved = Sequence[instances.Transition]
# What a report answers, made from its unit of work, its case, the transitions that opened
# it and whether the order had been pushed before.
Answer = Callable[[CaseUnitOfWork, Case, Moved, bool], T]


@dataclass
class TaskView:
    """A projected task with the case facts an inbox shows, and what the viewer may do."""

    task: TaskRecord
    case: Case
    form_schema: Mapping[str, Any] | None = None
    may_complete: bool = False
    overdue: bool = False
    # The viewer may not work the task but may complete it in its holder's place.
    may_complete_in_place: bool = False
    # What the process shows beside the form (the task's ``shows`` property).
    shown: list[Shown] = field(default_factory=list)


@dataclass(frozen=True)
class Shown:
    """One earlier answer shown beside a task's form, titled as the form that asked for it
    (派遣意见 on the department's steps, the handling's result on the verification). A photo
    field shows the report's photos (before) next to those of the step that sent it (after)."""

    title: str
    value: Any = None
    before: Sequence[Attachment] = ()
    title_en: str = ""
    after: Sequence[Attachment] = ()
    after_step: str | None = None


# Linked cases in which the departments handle the case itself (吹哨报到: joint on-site
# handling), so the parent's tracker counts their end as its handling.
HANDLED_IN = frozenset({"whistle_callin"})


@dataclass(frozen=True)
class LinkedProgress:
    """Where a linked case (a whistle's call-in, a conference) stands, department by
    department: the marks given so far and the steps still waiting."""

    case: Case
    marks: Sequence[DepartmentMark]
    waiting: Sequence[TaskRecord]


@dataclass(frozen=True)
class Awaited:
    """A message the process waits for, and the linked case expected to send it."""

    message: str
    case: Case | None


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
    awaited: Sequence[Awaited] = ()
    attachments: Sequence[Attachment] = ()
    timers: Sequence[WaitingTimer] = ()
    error: str | None = None  # a step that failed in the background, until retried
    people: dict[str, str] = field(default_factory=dict)  # user name → display name
    may_override: bool = False
    # The order was reported before (same account, same external id): this is that case.
    already_reported: bool = False
    process_name: str = ""  # as the diagram names it ("Closed-loop case / 闭环处置")
    element_names: dict[str, str] = field(default_factory=dict)  # element id → name
    linked: Sequence[LinkedProgress] = ()

    @property
    def waiting_for(self) -> list[str]:
        return [a.message for a in self.awaited]

    @property
    def overdue_steps(self) -> list[TaskView]:
        """Waiting steps past their own time limit (the case's deadline may still be ahead)."""
        return [v for v in self.tasks if v.task.state == "ready" and v.overdue]

    @property
    def tracker(self) -> list[TrackStep] | None:
        """上报 → 受理 → 派遣 → 处置 → 核查 → 结案 → 评价: who and when, and where it stands."""
        c = self.case
        tasks = [v.task for v in self.tasks]
        elsewhere = [p.case.closed_at for p in self.linked if p.case.link_kind in HANDLED_IN]
        handled = max((at for at in elsewhere if at is not None), default=None)
        return track(c.created_at, c.reporter_name, c.closed_at, tasks, c.status, handled)

    @property
    def photos_by_step(self) -> list[tuple[str | None, list[Attachment]]]:
        """The files grouped by the step that brought them, in the order they came: the
        report's first (step None), then each step's under its title (处置 photos apart
        from 核查 photos)."""
        titles = {view.task.id: view.task.title for view in self.tasks}
        groups: dict[str | None, list[Attachment]] = {}
        for row in self.attachments:
            step = titles.get(row.task_id) if row.task_id else None
            groups.setdefault(step, []).append(row)
        return list(groups.items())


@dataclass(frozen=True)
class Page:
    """One page of an inbox; ``total`` is exact up to ``COUNT_CAP`` — past it ``more``
    says there are more than that (an inbox is worked from the top, not counted)."""

    items: list[TaskView]
    total: int
    page: int
    per_page: int
    more: bool = False

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def visibility(ctx: GridcaseContext, actor: Actor) -> Visibility:
    """The inbox filter of what the actor may see (one rule with ``may_see_task``)."""
    return Visibility(
        person=actor.username,
        grants=actor.grants,
        subtrees=ctx.permissions.reach(actor, SEE_ALL_TASKS),
        also=actor.acting_for,
    )


def may_see(ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, case: Case) -> bool:
    """The permission model's answer, plus: whoever reported a case merged into this one
    follows it."""
    tasks = uow.tasks.for_instance(case.instance_id) if case.instance_id else ()
    if ctx.permissions.may_see_case(actor, case, tasks):
        return True
    return actor.user_id is not None and uow.cases.merged_from_reporter(case.id, actor.user_id)


def visible_case(ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, number: str) -> Case:
    """Raises: NotFoundError; ForbiddenError when the actor may not see the case."""
    case = uow.cases.by_number(number)
    if not may_see(ctx, uow, actor, case):
        raise ForbiddenError(f"{actor.username} may not see case {number}")
    return case


@dataclass(frozen=True)
class Reported:
    """What the one who reported needs next: the case's number and status (the case page
    is one GET away); ``already_reported``: the order had been pushed before."""

    number: str
    status: str
    already_reported: bool = False


def report_case(
    ctx: GridcaseContext, actor: Actor, new: NewCase, photos: Sequence[Upload] = ()
) -> CaseDetail:
    """Register a reported case with its photos and start its process, in one transaction,
    answering the whole case view. An order another system pushes again (same account, same
    ``external_id``) opens nothing: the answer is its case, marked ``already_reported``.

    Raises:
        FieldErrors: every problem of the case and of the photos at once (unknown category,
            priority, channel, event code or grid; a file too large or of the wrong type).
    """

    def view(uow: CaseUnitOfWork, case: Case, moved: Moved, earlier: bool) -> CaseDetail:
        return replace(detail_in(ctx, uow, actor, case, moved), already_reported=earlier)

    return _report(ctx, actor, new, photos, view)


def report(
    ctx: GridcaseContext, actor: Actor, new: NewCase, photos: Sequence[Upload] = ()
) -> Reported:
    """:func:`report_case`, answering only the number and status: no read of the case view.

    Raises: as :func:`report_case`.
    """

    def number(_uow: CaseUnitOfWork, case: Case, _moved: Moved, earlier: bool) -> Reported:
        return Reported(case.number, case.status, earlier)

    return _report(ctx, actor, new, photos, number)


def _report(
    ctx: GridcaseContext,
    actor: Actor,
    new: NewCase,
    photos: Sequence[Upload],
    answer: Answer[T],
) -> T:
    """Open the case and answer ``answer(uow, case, transitions, False)`` after the commit;
    for an order pushed before, ``answer(uow, its case, (), True)``."""
    if new.external_id and (earlier := _reported_before(ctx, actor, new.external_id, answer)):
        return earlier
    errors: dict[str, list[str]] = {}
    files: list[attachments.Checked] = []
    try:
        files = attachments.check(photos)
    except FieldErrors as err:
        errors |= err.fields
    try:
        check_new_case(ctx, new)
        grid = locate(ctx, new, actor.units_with("grid_worker"))
    except FieldErrors as err:
        errors = err.fields | errors
    if errors:
        raise FieldErrors(errors)
    opener = Opener(actor.username, actor.user_id or None, actor.display_name)
    try:
        with ctx.uow() as uow:
            case, transition = open_case(ctx, uow, new, opener, grid=grid)
            kept = attachments.keep(ctx, uow, actor, case, files)
            case.photos = [str(row.id) for row in kept]
            settled = settle(ctx, uow, case, transition)
            uow.commit()
            return answer(uow, case, settled.transitions, False)
    except OrderAlreadyReported:
        assert new.external_id is not None
        earlier = _reported_before(ctx, actor, new.external_id, answer)
        assert earlier is not None  # the other transaction has committed it
        return earlier


def _reported_before(
    ctx: GridcaseContext,
    actor: Actor,
    external_id: str,
    answer: Answer[T],
) -> T | None:
    with ctx.uow() as uow:
        found = uow.cases.find_external(actor.username, external_id)
        return None if found is None else answer(uow, found, (), True)


# No list is paged further than this (an offset the databases can take).
MAX_PAGE = 100_000


def inbox(
    ctx: GridcaseContext,
    actor: Actor,
    flt: InboxFilter,
    *,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Tasks the actor may see, most urgent first. Pages reach the ``COUNT_CAP`` most
    urgent; past them a page is empty and ``more`` says a filter would find the rest."""
    per_page = max(1, min(per_page, 200))
    page = max(1, min(page, MAX_PAGE))
    with ctx.uow() as uow:
        now = uow.now()
        rows, total = uow.inbox.search(
            visibility(ctx, actor), flt, now=now, limit=per_page, offset=(page - 1) * per_page
        )
        items = [_view(ctx, actor, t, c, now) for t, c in rows]
        return Page(items, min(total, COUNT_CAP), page, per_page, more=total > COUNT_CAP)


def next_task(ctx: GridcaseContext, actor: Actor, after: Completed) -> TaskView | None:
    """What the actor does next after a step: a step of the same case now theirs (签收 then
    处置 in one visit), else the most urgent task of their inbox."""
    free = {None, actor.username, *actor.acting_for}

    def open_to_me(view: TaskView) -> bool:  # not a step a colleague has claimed
        return view.may_complete and view.task.assignee in free

    here = [v for v in after.next_tasks if v.task.state == "ready" and open_to_me(v)]
    if here:
        return here[0]
    return next(
        (v for v in inbox(ctx, actor, InboxFilter(), per_page=5).items if open_to_me(v)), None
    )


def _view(
    ctx: GridcaseContext,
    actor: Actor,
    record: TaskRecord,
    case: Case,
    now: datetime,
    schema: Mapping[str, Any] | None = None,
) -> TaskView:
    may_work = ctx.permissions.may_work(actor, record)
    return TaskView(
        record,
        case,
        schema,
        may_complete=may_work,
        overdue=record.due_at is not None and record.due_at < now,
        may_complete_in_place=record.state == "ready"
        and ctx.permissions.may_complete_in_place(actor, record, case),
    )


def _workable(ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, task_id: str) -> TaskRecord:
    record = uow.tasks.get(task_id)
    if not ctx.permissions.may_work(actor, record):
        raise ForbiddenError(f"{actor.username} does not hold {record.role} in {record.unit_key}")
    return record


def claim(ctx: GridcaseContext, actor: Actor, task_id: str) -> TaskView:
    """Raises: NotFoundError, ForbiddenError, ConflictError (finished or held by another)."""
    return _change_holder(ctx, actor, task_id, instances.claim_task)


def unclaim(ctx: GridcaseContext, actor: Actor, task_id: str) -> TaskView:
    """Raises: NotFoundError, ForbiddenError, ConflictError (held by another)."""
    return _change_holder(ctx, actor, task_id, instances.unclaim_task)


def _change_holder(
    ctx: GridcaseContext,
    actor: Actor,
    task_id: str,
    change: Callable[[CaseUnitOfWork, str, str], TaskRecord],
) -> TaskView:
    with ctx.uow() as uow:
        _workable(ctx, uow, actor, task_id)
        record = change(uow, task_id, actor.username)
        case = uow.cases.by_instance(record.instance_id)
        refresh_status(uow, case)
        uow.commit()
        return _view(ctx, actor, record, case, uow.now())


def complete(
    ctx: GridcaseContext,
    actor: Actor,
    task_id: str,
    submitted: Mapping[str, Any],
    *,
    photos: Mapping[str, Sequence[Upload]] | None = None,
    reason: str = "",
) -> CaseDetail:
    """Complete a task with form data (and the files of its photo fields) and move the case
    on, in one transaction. The one way a step is done, whoever does it: the holder or a
    holder of its role, a colleague it was delegated to, a substitute (代班), or a
    supervisor above the case completing it in the holder's place — who must give a reason.

    Raises:
        NotFoundError: unknown task.
        ForbiddenError: the actor may neither work the task nor complete it in its place.
        FieldErrors: the data or files break the task's form or a domain rule (nothing is
            changed), or a supervisor gave no reason (``override_reason``).
        ConflictError: the task is finished, claimed by another, or changed concurrently.
    """
    with ctx.uow() as uow:
        record, _held, case = uow.tasks.for_step(task_id, Case)  # the instance stays in session
        settled_case = complete_in(ctx, uow, actor, case, record, submitted, photos, reason)
        uow.commit()
        return detail_in(ctx, uow, actor, case, settled_case)


@dataclass(frozen=True)
class Completed:
    """What the one who completed a step needs next: the case's number and status, and
    its steps now waiting that they may do (the full case view is one GET away)."""

    number: str
    status: str
    next_tasks: list[TaskView]


def complete_step(
    ctx: GridcaseContext,
    actor: Actor,
    task_id: str,
    submitted: Mapping[str, Any],
    *,
    photos: Mapping[str, Sequence[Upload]] | None = None,
    reason: str = "",
) -> Completed:
    """:func:`complete`, answering only what comes next: no second read of the case.

    Raises: as :func:`complete`.
    """
    with ctx.uow() as uow:
        record, _held, case = uow.tasks.for_step(task_id, Case)  # the instance stays in session
        moved = complete_in(ctx, uow, actor, case, record, submitted, photos, reason)
        now = uow.now()
        ready = [t for t in moved if t.instance.id == case.instance_id][-1].ready
        mine = [_view(ctx, actor, t, case, now) for t in ready]
        done = Completed(case.number, case.status, [v for v in mine if v.may_complete])
        uow.commit()
        return done


def complete_in(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case,
    record: TaskRecord,
    submitted: Mapping[str, Any],
    photos: Mapping[str, Sequence[Upload]] | None,
    reason: str,
    *,
    by_link: bool = False,
) -> list[instances.Transition]:
    """:func:`complete` inside the caller's unit of work (a supervisor's shortcut first
    sends the case back to the step). ``by_link``: the caller has found the actor to be
    the reporter by their tracking link (a resident evaluating). Returns the
    transitions, uncommitted."""
    permissions = ctx.permissions
    in_place = not by_link and not permissions.may_work(actor, record)
    if in_place and not permissions.may_override(actor, case):
        raise ForbiddenError(f"{actor.username} does not hold {record.role} in {record.unit_key}")
    if record.state != "ready":
        raise ConflictError(Phrase("this step is already done"))
    if in_place and not reason.strip():
        # named apart from a form field called "reason"
        raise FieldErrors({"override_reason": ["give a reason: it goes on the case's timeline"]})
    instance = uow.instances.get(record.instance_id)  # held: the step below reads it again
    schema = ctx.runtime.form_of(uow, record, instance)
    answers = _checked_answers(ctx, uow, case, schema, submitted, photos or {})
    data = attachments.keep_answered(ctx, uow, actor, case, answers, record.id)
    if in_place:
        _take_over(uow, record, actor, "moved", reason)
    elif record.assignee and record.assignee in actor.acting_for:
        _take_over(uow, record, actor, "substituted", f"standing in for {record.assignee}")
    transition = instances.complete_task(uow, ctx.runtime, record.id, data, actor.username)
    settled = settle(ctx, uow, case, transition)
    if data.get("duplicate_of"):
        surviving = uow.cases.by_number(data["duplicate_of"])
        case.duplicate_of_id = surviving.id
        if case.status == "merged":
            _tell_merged_reporter(ctx, uow, case, surviving)
    return settled.transitions


def _tell_merged_reporter(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, surviving: Case
) -> None:
    """The reporter of a merged case hears which case carries their report on."""
    if case.reporter_user_id is None:
        return
    reporter = uow.users.get(case.reporter_user_id)
    body = f"并入 {surviving.number}：{surviving.title}"
    add_notices(ctx, uow, case, "merged", [Recipient(None, None, reporter.username)], body)


def _take_over(
    uow: CaseUnitOfWork, record: TaskRecord, actor: Actor, action: str, reason: str
) -> None:
    instances.reassign_task(
        uow,
        record.id,
        Assignment(record.role, None, None, actor.username),
        actor.username,
        reason,
        action=action,
    )


def _checked_answers(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    case: Case,
    schema: Mapping[str, Any] | None,
    submitted: Mapping[str, Any],
    photos: Mapping[str, Sequence[Upload]],
) -> attachments.Answers:
    """The answers checked against the form and the domain rules, and the files checked
    against the limits: every problem at once.

    Raises:
        FieldErrors: per field.
    """
    answers = attachments.check_answers(schema, submitted, photos)
    if answers.form_valid:
        data = reclassified(answers.data, case.category, case.event_code, ctx.catalog)
        problems = answer_problems(
            data, case.review_unit_key, ctx.directory, ctx.catalog, case.category, uow.now()
        )
        answers.data = data
        answers.errors = _duplicate_problems(uow, case, data) | problems | answers.errors
    if answers.errors:
        raise FieldErrors(answers.errors)
    return answers


def _duplicate_problems(
    uow: CaseUnitOfWork, case: Case, data: Mapping[str, Any]
) -> dict[str, list[str]]:
    duplicate = data.get("duplicate_of")
    if not duplicate:
        return {}
    other = uow.cases.find_number(duplicate)
    if other is None:
        return {"duplicate_of": [f"case {duplicate} does not exist"]}
    if other.id == case.id:
        return {"duplicate_of": ["a case cannot be merged into itself"]}
    return {}


def get_case(ctx: GridcaseContext, actor: Actor, number: str) -> CaseDetail:
    """Raises: NotFoundError; ForbiddenError when the actor may not see the case."""
    with ctx.uow() as uow:
        case = visible_case(ctx, uow, actor, number)
        return detail_in(ctx, uow, actor, case)


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
        if not (ctx.permissions.may_work(actor, record) or may_see(ctx, uow, actor, case)):
            raise ForbiddenError(f"{actor.username} may not see task {task_id}")
        detail = detail_in(ctx, uow, actor, case)
        view = next(t for t in detail.tasks if t.task.id == task_id)
        shows = str(record.properties.get("shows") or "")
        if shows and case.instance_id:
            instance = uow.instances.get(case.instance_id)
            forms = ctx.runtime.spec_of(uow, instance.version_id).forms
            view.shown = _shown([n.strip() for n in shows.split(",") if n.strip()], forms, detail)
        return view, detail


def _shown(
    names: Sequence[str], forms: Mapping[str, Mapping[str, Any]], detail: CaseDetail
) -> list[Shown]:
    found = []
    for name in names:
        spec = next(
            (f["properties"][name] for f in forms.values() if name in f.get("properties", {})),
            None,
        )
        title = str((spec or {}).get("title", name))
        title_en = str((spec or {}).get("x-title-en", ""))
        if spec is not None and spec.get("x-widget") == "photos":
            found.append(replace(_before_and_after(title, name, forms, detail), title_en=title_en))
        elif detail.data.get(name) not in (None, "", []):
            found.append(Shown(title, detail.data[name], title_en=title_en))
    return found


def _before_and_after(
    title: str, name: str, forms: Mapping[str, Mapping[str, Any]], detail: CaseDetail
) -> Shown:
    """The report's photos, and those of the last finished step whose form has ``name``."""
    photos = [a for a in detail.attachments if a.content_type.startswith("image/")]
    before = [a for a in photos if a.task_id is None]
    steps = [
        v.task
        for v in detail.tasks
        if v.task.state == "completed" and name in photo_fields(forms.get(v.task.form or ""))
    ]
    last = max(steps, key=lambda t: t.completed_at or t.created_at, default=None)
    after = [a for a in photos if last is not None and a.task_id == last.id]
    return Shown(title, before=before, after=after, after_step=last.title if last else None)


def diagram(ctx: GridcaseContext, actor: Actor, number: str) -> Diagram:
    """Raises: NotFoundError; ForbiddenError when the actor may not see the case."""
    with ctx.uow() as uow:
        case = visible_case(ctx, uow, actor, number)
        if case.instance_id is None:
            raise ConflictError(f"{number} has no process")
        instance = uow.instances.get(case.instance_id)
        host = ctx.runtime.host
        states = instances.read_workflow(uow, ctx.runtime, instance, host.element_states)
        done, active = states["completed"], states["active"]
        now = uow.now()
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


def detail_in(
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
    snapshot: instances.Snapshot | None = None
    process_name = ""
    element_names: dict[str, str] = {}
    now = uow.now()
    if instance is not None:
        parsed, process_name = ctx.runtime.named_spec_of(uow, instance.version_id)
        element_names = parsed.element_names
        closed = closed_choices(case.review_unit_key, ctx.directory)
        for record in uow.tasks.for_instance(instance.id):
            schema = parsed.forms.get(record.form) if record.form else None
            schema = offered(schema, closed)
            tasks.append(_view(ctx, actor, record, case, now, schema))
        mine = [t.workflow for t in moved if t.instance.id == instance.id]
        snapshot = instances.snapshot(uow, ctx.runtime, instance, mine[-1] if mine else None)
        history = uow.journal.for_instance(instance.id)
    suggestion = None
    if case.status == "registered":
        suggestion = suggested_department(ctx.directory, ctx.catalog, case.category, case.grid_key)
    duplicate = uow.cases.get(case.duplicate_of_id).number if case.duplicate_of_id else None
    children = uow.cases.children(case.id)
    open_children = [c for c in children if not is_closed(c.status)]
    awaited = [
        Awaited(name, open_children[0] if open_children else None)
        for name in (snapshot.waiting_messages if snapshot else [])
    ]
    return CaseDetail(
        case,
        tasks,
        history,
        snapshot.data if snapshot else {},
        suggestion,
        {"duplicate_of": duplicate},
        parent=uow.cases.get(case.parent_id) if case.parent_id else None,
        children=children,
        merged=uow.cases.merged_into(case.id),
        marks=uow.assessment.marks_for_case(case.id),
        readings=uow.assessment.readings_for_case(case.id),
        awaited=awaited,
        attachments=uow.attachments.for_case(case.id),
        timers=snapshot.timers if snapshot else [],
        error=instance.error if instance else None,
        people=uow.users.display_names(
            {e.actor for e in history} | {t.task.assignee for t in tasks if t.task.assignee}
        ),
        may_override=ctx.permissions.may_override(actor, case),
        process_name=process_name,
        element_names=element_names,
        linked=[
            LinkedProgress(
                child,
                uow.assessment.marks_for_case(child.id),
                uow.tasks.ready_for_instance(child.instance_id) if child.instance_id else [],
            )
            for child in children
        ],
    )
