"""Carry what the process just did onto the case: status, variables, alerts and notices.

Called by every use case that moves an instance (a person completing a task, a timer firing),
inside its transaction; :func:`after_commit` then schedules the background work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.db import utcnow
from engine.errors import WorkflowStepError
from engine.host import Emitted
from engine.instances import Transition
from workflows.context import GridcaseContext
from workflows.handoffs import route_message
from workflows.models import Case, DepartmentMark, Notification
from workflows.notifications import Recipient, add_notices, outbound_channels
from workflows.statuses import CLOSED_STATUSES, derive_status
from workflows.uow import CaseUnitOfWork

ALERT_ORDER = ("normal", "yellow", "red")
ALERT_OF_EVENT = {"warning": "yellow", "overdue": "red"}
# Events that are facts for department assessment rather than news for anyone.
MARKS = frozenset({"conference_missed", "callin_late", "callin_reported", "department_rated"})
SILENT = frozenset({"callin_reported", "department_rated"})
# The process variable naming the department of a mark (``department`` unless listed).
MARK_DEPARTMENT = {"department_rated": "rated_department"}
# A chain of messages longer than this is a loop in the diagrams.
MAX_HANDOFFS = 20


@dataclass
class Settled:
    """Every case a step moved (the first, then those its messages reached) and the notices."""

    moves: list[tuple[Case, Transition]] = field(default_factory=list)
    notices: list[Notification] = field(default_factory=list)

    @property
    def transitions(self) -> list[Transition]:
        return [t for _, t in self.moves]


def settle(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, transition: Transition
) -> Settled:
    """Apply a transition to its case, then route the messages it threw — which may move a
    parent case or open child cases, whose own messages are routed in turn.

    Raises:
        WorkflowStepError: a message nobody takes, or a chain that does not end.
    """
    settled = Settled()
    pending = [(case, transition)]
    while pending:
        current, step = pending.pop(0)
        settled.notices += apply_transition(ctx, uow, current, step)
        settled.moves.append((current, step))
        if len(settled.moves) > MAX_HANDOFFS:
            raise WorkflowStepError(f"messages from {case.number} do not come to an end")
        pending += [route_message(ctx, uow, current, m) for m in step.messages]
    return settled


def apply_transition(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, transition: Transition
) -> list[Notification]:
    """Update the case row from a transition and store the notices its events raise."""
    data = transition.data
    end = transition.end.properties if transition.end else None
    case.status = derive_status(transition.ready, end, data, transition.waiting)
    _copy_variables(case, data)
    now = utcnow()
    case.updated_at = now
    if case.status in CLOSED_STATUSES:
        case.closed_at = case.closed_at or now
    else:
        case.closed_at = None  # reopened (a broken mediation agreement)
    if transition.opened and not any(e.kind == "overdue" for e in transition.events):
        case.alert_level = "normal"  # a new step starts with a fresh clock
    notices: list[Notification] = []
    for event in transition.events:
        level = ALERT_OF_EVENT.get(event.kind)
        if level and ALERT_ORDER.index(level) > ALERT_ORDER.index(case.alert_level):
            case.alert_level = level
        if event.kind in MARKS:
            _record_mark(uow, case, event)
        if event.kind not in SILENT:
            people = _recipients(ctx, case, transition, event)
            notices += add_notices(uow, case, event.kind, people)
    return notices


def _record_mark(uow: CaseUnitOfWork, case: Case, event: Emitted) -> None:
    data = event.data
    report = data.get("report") or {}
    uow.assessment.add(
        DepartmentMark(
            case_id=case.id,
            department_key=data[MARK_DEPARTMENT.get(event.kind, "department")],
            kind=event.kind,
            on_time=bool(report["on_time"]) if event.kind == "callin_reported" else None,
            score=data.get("score") if event.kind == "department_rated" else None,
            comment=(data.get("comment") or "") if event.kind == "department_rated" else "",
            at=utcnow(),
        )
    )


def _recipients(
    ctx: GridcaseContext, case: Case, transition: Transition, event: Emitted
) -> list[Recipient]:
    """Warnings go to whoever holds the waiting steps; overdue also to the department and the
    supervisors of the level above; an automatic closure to the reporter's reviewers; the
    cross-department events to the department or grid concerned and its supervisors."""
    kind, data = event.kind, event.data
    people = [Recipient(t.role, t.unit_key, t.assignee) for t in transition.ready]
    if kind in ("conference_missed", "callin_late"):
        people = [Recipient("department_handler", data["department"])]
        if data.get("supervision_unit"):
            people.append(Recipient("supervisor", data["supervision_unit"]))
    if kind == "stability_alert":
        street = ctx.directory.get(data["street_unit"])
        people.append(Recipient("supervisor", street.key))
        if street.parent_key:
            people.append(Recipient("supervisor", street.parent_key))
    if kind == "special_task_missed":
        people = [
            Recipient("grid_worker", data["task_grid"]),
            Recipient("supervisor", data["issuer_unit"]),
        ]
    if kind == "special_task_summary":
        people = [Recipient("supervisor", data["issuer_unit"])]
    if kind == "overdue":
        if case.department_key:
            people.append(Recipient("department_handler", case.department_key))
        # The diagram names the supervising unit when it opens a supervision task;
        # otherwise it is the level above the one the case is at.
        parent = ctx.directory.parent(case.review_unit_key)
        above = (
            transition.data.get("supervision_unit")
            or (parent or ctx.directory.get(case.review_unit_key)).key
        )
        people.append(Recipient("supervisor", above))
    if kind == "auto_closed":
        people.append(Recipient("community_dispatcher", case.review_unit_key))
    return people


def _copy_variables(case: Case, data: Mapping[str, Any]) -> None:
    case.review_unit_key = data.get("review_unit") or case.review_unit_key
    case.department_key = data.get("department") or case.department_key
    for counter in ("return_count", "rework_count", "escalation_count"):
        setattr(case, counter, int(data.get(counter) or 0))
    if data.get("handle_due"):
        case.deadline = datetime.fromisoformat(data["handle_due"])
    if data.get("satisfaction"):
        case.satisfaction = data["satisfaction"]


def refresh_status(uow: CaseUnitOfWork, case: Case) -> None:
    """Recompute the status after a claim change (a claimed verification is ``checking``)."""
    if case.instance_id is None or case.status in CLOSED_STATUSES:
        return
    ready = uow.tasks.ready_for_instance(case.instance_id)
    case.status = derive_status(ready, None, {"escalation_count": case.escalation_count})
    case.updated_at = utcnow()


def after_commit(
    ctx: GridcaseContext, transitions: Sequence[Transition], notices: Sequence[Notification]
) -> None:
    """Schedule the next wake-ups and the outbound deliveries of committed work."""
    for transition in transitions:
        if transition.wakeup is not None:
            ctx.jobs.wake_at(transition.instance.id, transition.wakeup.due_at)
    for channel in outbound_channels(ctx):
        for notice in notices:
            ctx.jobs.enqueue("deliver_notification", notice.id, channel)
