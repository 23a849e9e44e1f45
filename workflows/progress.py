"""Carry what the process just did onto the case: status, variables, alerts and notices.

Called by every use case that moves an instance (a person completing a task, a timer firing),
inside its transaction; :func:`after_commit` then schedules the background work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from engine.db import utcnow
from engine.instances import Transition
from workflows.context import GridcaseContext
from workflows.models import Case, Notification
from workflows.notifications import Recipient, add_notices, outbound_channels
from workflows.statuses import CLOSED_STATUSES, derive_status
from workflows.uow import CaseUnitOfWork

ALERT_ORDER = ("normal", "yellow", "red")
ALERT_OF_EVENT = {"warning": "yellow", "overdue": "red"}


def apply_transition(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, transition: Transition
) -> list[Notification]:
    """Update the case row from a transition and store the notices its events raise."""
    data = transition.data
    end = transition.end.properties if transition.end else None
    case.status = derive_status(transition.ready, end, data)
    _copy_variables(case, data)
    now = utcnow()
    case.updated_at = now
    if case.status in CLOSED_STATUSES and case.closed_at is None:
        case.closed_at = now
    if transition.opened and not any(e.kind == "overdue" for e in transition.events):
        case.alert_level = "normal"  # a new step starts with a fresh clock
    notices: list[Notification] = []
    for event in transition.events:
        level = ALERT_OF_EVENT.get(event.kind)
        if level and ALERT_ORDER.index(level) > ALERT_ORDER.index(case.alert_level):
            case.alert_level = level
        notices += add_notices(
            uow, case, event.kind, _recipients(ctx, case, transition, event.kind)
        )
    return notices


def _recipients(
    ctx: GridcaseContext, case: Case, transition: Transition, kind: str
) -> list[Recipient]:
    """Warnings go to whoever holds the waiting steps; overdue also to the department and the
    supervisors of the level above; an automatic closure to the reporter's reviewers."""
    people = [Recipient(t.role, t.unit_key, t.assignee) for t in transition.ready]
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
