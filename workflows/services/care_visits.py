"""Care visits (走访): one ``care_visit`` instance per visit cycle of a key person.

A cycle opens in the grid worker's inbox some days before the visit is due, warns before
the due time, and goes to the community's grid leader to press when missed (the visit stays
open and counts against the grid as missed). Recording the visit journals it on the person,
adjusts the risk level (and with it the interval) and starts the next cycle; a visit that
found a problem opens a linked case — a closed-loop case or a dispute — that names no
personal data of the register.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine import instances
from engine.instances import Transition
from engine.models import TaskRecord
from workflows.adapters.care_models import CareVisit, KeyPerson
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import Recipient
from workflows.domain.errors import ConflictError, FieldErrors, ForbiddenError, Phrase
from workflows.domain.indicators import Period
from workflows.domain.permissions import ASSESS, KEY_PERSONS, Actor
from workflows.services import attachments
from workflows.services.attachments import Upload
from workflows.services.case_progress import schedule
from workflows.services.case_progress import settle as settle_case
from workflows.services.context import GridcaseContext
from workflows.services.indicators import days_or_month, period_window
from workflows.services.intake import NewCase, Opener, check_new_case, open_case
from workflows.services.notifications import notify

PROCESS = "care_visit"
DISPUTE_CATEGORY = "15"
SYSTEM = Opener("system", None, "系统")


def business_key(person_id: int) -> str:
    return f"kp-{person_id}"


REPLAN_GRACE = timedelta(days=1)


def start_cycle(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    person: KeyPerson,
    after: datetime,
    actor: str,
    *,
    replanned: bool = False,
) -> CareVisit:
    """Start the person's next visit cycle, counted from ``after`` (registration or the last
    visit), in the caller's transaction; a re-planned cycle is due a day from now at the
    earliest."""
    not_before = uow.now() + REPLAN_GRACE if replanned else None
    window = ctx.catalog.key_persons.schedule(
        after, person.categories, person.risk_level, not_before
    )
    data = {
        "person_id": person.id,
        "grid": person.grid_key,
        "community": ctx.directory.ancestor_key_at(person.grid_key, "community"),
        "visit_opens_at": window.opens_at.isoformat(),
        "visit_warn_at": window.warn_at.isoformat(),
        "visit_due": window.due_at.isoformat(),
    }
    transition = instances.start_instance(
        uow, ctx.runtime, PROCESS, business_key(person.id), data, actor
    )
    uow.flush()
    visit = CareVisit(
        person_id=person.id,
        instance_id=transition.instance.id,
        grid_key=person.grid_key,
        due_at=window.due_at,
        opens_at=window.opens_at,
        record={},
    )
    uow.key_persons.add(visit)
    uow.flush()
    person.visit_instance_id = transition.instance.id
    person.next_visit_due = window.due_at
    settle(ctx, uow, transition)  # a cycle due already warns and is missed at once
    return visit


def stop_cycle(ctx: GridcaseContext, uow: CaseUnitOfWork, person: KeyPerson, actor: str) -> None:
    """End the person's open cycle (removed from the register, or re-planned)."""
    if person.visit_instance_id is None:
        return
    instance = uow.instances.get(person.visit_instance_id)
    if instance.status not in ("completed", "terminated"):
        instances.terminate(uow, ctx.runtime, instance, actor, "重点人员走访计划调整")
    visit = uow.key_persons.visit_by_instance(instance.id)
    if visit is not None and visit.visited_at is None:
        visit.cancelled_at = uow.now()
    person.visit_instance_id = None
    person.next_visit_due = None


def settle(ctx: GridcaseContext, uow: CaseUnitOfWork, transition: Transition) -> None:
    """Carry a cycle's events onto the register: warnings and missed visits to the people
    concerned, a found problem into a new case; then schedule the next wake-up."""
    visit = uow.key_persons.visit_by_instance(transition.instance.id)
    notices = []
    if visit is not None:
        person = uow.key_persons.get(visit.person_id)
        for event in transition.events:
            if event.kind == "care_warning":
                notices += _tell(ctx, uow, "care_warning", person, visit, grid_leader=False)
            elif event.kind == "care_missed":
                visit.missed_at = visit.missed_at or uow.now()
                notices += _tell(ctx, uow, "care_missed", person, visit, grid_leader=True)
            elif event.kind == "care_problem":
                _open_linked_case(ctx, uow, person, visit, transition.data)
    schedule(ctx, uow, [transition], notices)


def _tell(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    kind: str,
    person: KeyPerson,
    visit: CareVisit,
    *,
    grid_leader: bool,
) -> list[Any]:
    """Notices name nobody (they also leave through webhooks): the grid and the due time;
    the person is on the inbox's list of visits."""
    grid = ctx.directory.get(person.grid_key).name_zh
    due = visit.due_at.astimezone(ctx.calendar.timezone).strftime("%m-%d %H:%M")
    if kind == "care_warning":
        title = f"重点人员走访将到期（{grid}）"
        body = f"有一次走访应在 {due} 前完成，见“本周走访”"
    else:
        title = f"重点人员走访已超期（{grid}）"
        body = f"有一次走访应于 {due} 前完成，已计入网格走访超期"
    people = [Recipient("grid_worker", person.grid_key)]
    community = ctx.directory.ancestor_key_at(person.grid_key, "community")
    if grid_leader and community:
        people.append(Recipient("grid_leader", community))
    return notify(ctx, uow, kind, people, title=title, body=body)


def _open_linked_case(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    person: KeyPerson,
    visit: CareVisit,
    data: Mapping[str, Any],
) -> None:
    """Open the case and settle it (which schedules its own wake-ups)."""
    dispute = data.get("problem") == "dispute"
    new = NewCase(
        category=DISPUTE_CATEGORY if dispute else str(data.get("problem_category") or ""),
        description=str(data.get("problem_description") or ""),
        title=("走访发现矛盾纠纷" if dispute else "走访发现问题")
        + f"：{str(data.get('problem_description') or '')[:40]}",
        priority="important",
        channel="care_visit",
        grid=person.grid_key,
        address=person.address,
    )
    case, transition = open_case(ctx, uow, new, SYSTEM, grid=ctx.directory.get(person.grid_key))
    uow.flush()
    visit.case_id = case.id
    settle_case(ctx, uow, case, transition)


# -- the grid worker's and the grid leader's use cases


@dataclass(frozen=True)
class CareTask:
    """A visit or a press in someone's list: the task, its cycle and the person."""

    task: TaskRecord
    visit: CareVisit
    person: KeyPerson
    overdue: bool

    @property
    def is_press(self) -> bool:
        return self.task.element_id == "press_visit"


def my_tasks(ctx: GridcaseContext, actor: Actor, days: int = 7) -> list[CareTask]:
    """Open care tasks for the actor: visits due within ``days`` (and every overdue one) in
    the grids they keep; the presses of missed visits for grid leaders."""
    grids = ctx.permissions.grids_with(actor, KEY_PERSONS)
    if not grids:
        return []
    with ctx.uow() as uow:
        now = uow.now()
        found = uow.key_persons.open_tasks(grids, actor.grants, now + timedelta(days=days))
        return [CareTask(t, v, p, v.due_at < now) for t, v, p in found]


def care_grids(ctx: GridcaseContext, actor: Actor) -> list[str]:
    """Grids whose visit counts the actor sees: kept (register) or assessed."""
    return ctx.permissions.grids_with(actor, KEY_PERSONS, ASSESS)


@dataclass(frozen=True)
class GridVisits:
    """One grid's visits due in a period (counts only: nobody is named)."""

    grid_key: str
    due: int
    done: int
    on_time: int
    missed: int
    overdue_now: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def visit_indicators(
    ctx: GridcaseContext, actor: Actor, first: date | None, last: date | None, under: str | None
) -> tuple[Period, list[GridVisits]]:
    """:func:`grid_counts` over whole local days (none given: this month to date).

    Raises: FieldErrors for a missing, reversed or too long period."""
    chosen = days_or_month(ctx, first, last)
    window = period_window(ctx, chosen)
    return chosen, grid_counts(ctx, actor, window.start, window.end, under)


RECENT = timedelta(days=30)


def recent_counts(ctx: GridcaseContext, actor: Actor) -> list[GridVisits]:
    """:func:`grid_counts` of the last 30 days (the register's page)."""
    now = ctx.clock.now()
    return grid_counts(ctx, actor, now - RECENT, now)


def grid_counts(
    ctx: GridcaseContext, actor: Actor, start: datetime, end: datetime, under: str | None = None
) -> list[GridVisits]:
    """Per grid the actor keeps or assesses (within ``under``): visits due in [start, end)
    so far, done, done on time, missed, and those overdue right now."""
    grids = care_grids(ctx, actor)
    if under is not None and under in ctx.directory:
        top = ctx.directory.get(under).path
        grids = [g for g in grids if ctx.directory.get(g).path.startswith(top)]
    if not grids:
        return []
    with ctx.uow() as uow:
        now = uow.now()
        counts = uow.key_persons.visit_counts(grids, start, end, now)
        overdue = uow.key_persons.overdue_by_grid(grids, now)
    zero = {"due": 0, "done": 0, "on_time": 0, "missed": 0}
    return [
        GridVisits(g, **counts.get(g, zero), overdue_now=overdue.get(g, 0))
        for g in grids
        if g in counts or g in overdue
    ]


@dataclass(frozen=True)
class VisitForm:
    """What the visit page shows: the task, the form, the person (masked) and the cycle."""

    task: TaskRecord
    schema: Mapping[str, Any] | None
    visit: CareVisit
    person: KeyPerson


def open_task(ctx: GridcaseContext, actor: Actor, task_id: str) -> VisitForm:
    """Raises: NotFoundError; ForbiddenError unless the actor may work the task."""
    with ctx.uow() as uow:
        record, visit, person = _care_task(ctx, uow, actor, task_id)
        return VisitForm(record, ctx.runtime.form_of(uow, record), visit, person)


def _care_task(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, task_id: str, lock: bool = False
) -> tuple[TaskRecord, CareVisit, KeyPerson]:
    """The task, its cycle and its person (locked for a change: a visit and a re-plan of the
    same person queue on the person's row).

    Raises: NotFoundError; ForbiddenError unless the actor works it and keeps the grid."""
    record = uow.tasks.get(task_id)
    visit = uow.key_persons.visit_by_instance(record.instance_id)
    if visit is None or not ctx.permissions.may_work(actor, record):
        raise ForbiddenError(Phrase("this is not your care visit"))
    if not ctx.permissions.covers(actor, KEY_PERSONS, visit.grid_key):
        raise ForbiddenError(Phrase("this is not your care visit"))
    return record, visit, uow.key_persons.get(visit.person_id, lock=lock)


def complete(
    ctx: GridcaseContext,
    actor: Actor,
    task_id: str,
    submitted: Mapping[str, Any],
    *,
    photos: Mapping[str, Sequence[Upload]] | None = None,
) -> CareVisit:
    """Record a visit (or the press of a missed one) in one transaction: the visit on the
    person's journal, a changed risk level, the next cycle, a linked case for a problem.

    Raises:
        NotFoundError, ForbiddenError; FieldErrors (nothing changed); ConflictError: done
        already, or done by someone else at the same moment.
    """
    with ctx.uow() as uow:
        record, visit, person = _care_task(ctx, uow, actor, task_id, lock=True)
        if record.state != "ready":
            raise ConflictError(Phrase("this step is already done"))
        schema = ctx.runtime.form_of(uow, record)
        answers = attachments.check_answers(schema, submitted, photos or {})
        problem = answers.data.get("problem")
        if (
            problem == "service"
            and answers.data.get("problem_category") not in ctx.catalog.categories
        ):
            answers.errors.setdefault("problem_category", [Phrase("choose a category")])
        if answers.errors:
            raise FieldErrors(answers.errors)
        if problem in ("service", "dispute"):
            _check_case(ctx, person, answers.data)
        data = attachments.keep_answered(ctx, uow, actor, None, answers, record.id)
        transition = instances.complete_task(uow, ctx.runtime, task_id, data, actor.username)
        settle(ctx, uow, transition)
        if record.element_id == "visit":
            _record_visit(ctx, uow, actor, person, visit, data)
            _end_press(ctx, uow, transition, actor)
        uow.commit()
        return visit


def _end_press(
    ctx: GridcaseContext, uow: CaseUnitOfWork, transition: Transition, actor: Actor
) -> None:
    """A visit made late ends the grid leader's press of it: nothing is left to press."""
    instance = transition.instance
    if instance.status not in ("completed", "terminated"):
        instances.terminate(uow, ctx.runtime, instance, actor.username, "已补访")


def _check_case(ctx: GridcaseContext, person: KeyPerson, data: Mapping[str, Any]) -> None:
    category = DISPUTE_CATEGORY if data["problem"] == "dispute" else data["problem_category"]
    new = NewCase(category=category, description=str(data.get("problem_description") or ""))
    try:
        check_new_case(ctx, new)
    except FieldErrors as err:
        fields = {"description": "problem_description", "category": "problem_category"}
        raise FieldErrors({fields.get(k, k): v for k, v in err.fields.items()}) from err


def _record_visit(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    person: KeyPerson,
    visit: CareVisit,
    data: Mapping[str, Any],
) -> None:
    now = uow.now()
    visit.visited_at = now
    visit.visited_by = actor.username
    visit.record = {k: v for k, v in data.items() if not k.startswith("problem_")} | {
        "problem": data.get("problem", "none")
    }
    late = now > visit.due_at
    changes: dict[str, Any] = {"visit": {"due": visit.due_at.isoformat(), "late": late}}
    risk = data.get("risk_level")
    if risk and risk != person.risk_level:
        changes.update(risk_level=(person.risk_level, risk))
        person.risk_level = risk
    person.last_visit_at = now
    person.updated_at = now
    uow.key_persons.journal(person.id, now, actor.username, "visited", changes)
    start_cycle(ctx, uow, person, now, actor.username)


def visits_of(ctx: GridcaseContext, uow: CaseUnitOfWork, person: KeyPerson) -> list[VisitRow]:
    """The person's cycles, newest first, with the number of the case a visit opened."""
    rows = uow.key_persons.visits_of(person.id)
    numbers = {
        c.id: c.number for c in (uow.cases.get(v.case_id) for v in rows if v.case_id is not None)
    }
    return [VisitRow(v, numbers.get(v.case_id or 0)) for v in rows]


@dataclass(frozen=True)
class VisitRow:
    visit: CareVisit
    case_number: str | None


def linked_cases(uow: CaseUnitOfWork, person: KeyPerson) -> list[Case]:
    """The cases a device of the person raised (智能预警)."""
    if not person.device_id:
        return []
    return list(uow.cases.for_device(person.device_id))
