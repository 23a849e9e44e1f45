"""Carry what the process just did onto the case: status, variables, alerts, marks, notices;
then, once the transaction commits, the wake-ups and outbound deliveries it calls for.

Called by every use case that moves an instance (a person completing a task, a timer firing,
a supervisor's override), inside its unit of work: :func:`settle` schedules the after-commit
work on the unit of work itself, so no call site writes it out by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.errors import WorkflowStepError
from engine.host import Emitted
from engine.instances import Transition
from engine.job_queue import JobQueue
from workflows.adapters.channels import outbound_channels
from workflows.adapters.models import Case, DepartmentMark, Notification
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import (
    EventScene,
    Recipient,
    copy_variables,
    raised_alert,
    recipients,
)
from workflows.domain.milestones import Before, stamp
from workflows.domain.statuses import derive_status, is_closed
from workflows.services.context import GridcaseContext
from workflows.services.handoffs import route_message
from workflows.services.notifications import add_notices, delivery_job_id

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
    parent case or open child cases, whose own messages are routed in turn. The wake-ups and
    deliveries are scheduled for after the commit.

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
    schedule(ctx, uow, settled.transitions, settled.notices)
    return settled


def schedule(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    transitions: Sequence[Transition],
    notices: Sequence[Notification] = (),
) -> None:
    """After the commit: wake each moved instance at its next timer, deliver each notice
    through every outbound channel."""
    wakeups = [(t.instance.id, t.wakeup.due_at) for t in transitions if t.wakeup is not None]
    if wakeups or notices:
        channels = list(outbound_channels(ctx.settings))
        uow.after_commit(_dispatch, ctx.jobs, channels, wakeups, notices)


def _dispatch(
    jobs: JobQueue,
    channels: list[str],
    wakeups: list[tuple[int, object]],
    notices: Sequence[Notification],
) -> None:
    for instance_id, due in wakeups:
        jobs.wake_at(instance_id, due)  # type: ignore[arg-type]
    for channel in channels:
        for notice in notices:
            job_id = delivery_job_id(notice.id, channel)
            jobs.enqueue("deliver_notification", notice.id, channel, job_id=job_id)


def apply_transition(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, transition: Transition
) -> list[Notification]:
    """Update the case row from a transition and store the notices its events raise."""
    data = transition.data
    end = transition.end.properties if transition.end else None
    case.status = derive_status(transition.ready, end, data, transition.waiting)
    before = Before(case.department_key, case.return_count, case.rework_count)
    copy_variables(case, data, ctx.catalog.case_variables)
    case.stream = ctx.catalog.category(case.category).stream  # follows a corrected category
    now = uow.now()
    for mark in stamp(case, before, transition.opened, transition.closed, now, _is_department(ctx)):
        add_mark(uow, case, mark.department_key, mark.kind)
    case.updated_at = now
    if is_closed(case.status):
        case.closed_at = case.closed_at or now
    else:
        case.closed_at = None  # reopened (a broken mediation agreement)
    if transition.opened and not any(e.kind == "overdue" for e in transition.events):
        case.alert_level = "normal"  # a new step starts with a fresh clock
    holders = [Recipient(t.role, t.unit_key, t.assignee) for t in transition.ready]
    notices: list[Notification] = []
    for event in transition.events:
        rule = ctx.catalog.event(event.kind)
        case.alert_level = raised_alert(case.alert_level, rule)
        if rule.mark:
            _record_mark(uow, case, event, rule.mark_department)
        scene = EventScene(case, event.data, data)
        people = recipients(rule, holders, scene, ctx.directory)
        if people:
            notices += add_notices(ctx, uow, case, event.kind, people)
    return notices


def _record_mark(uow: CaseUnitOfWork, case: Case, event: Emitted, department_variable: str) -> None:
    data = event.data
    department = data.get(department_variable)
    if not department:  # e.g. an overdue review: no department is concerned
        return
    on_time = None
    if event.kind == "callin_reported":
        on_time = bool((data.get("report") or {})["on_time"]) and not _marked_late(
            uow, case, department
        )
    add_mark(
        uow,
        case,
        department,
        event.kind,
        on_time=on_time,
        score=data.get("score") if event.kind == "department_rated" else None,
        comment=(data.get("comment") or "") if event.kind == "department_rated" else "",
    )


def _marked_late(uow: CaseUnitOfWork, case: Case, department: str) -> bool:
    """A report-in after the department's late mark is late, even within the due time (a
    supervisor may fire the late timer early)."""
    marks = uow.assessment.marks_for_case(case.id)
    return any(m.department_key == department and m.kind == "callin_late" for m in marks)


def add_mark(
    uow: CaseUnitOfWork,
    case: Case,
    department_key: str,
    kind: str,
    *,
    on_time: bool | None = None,
    score: int | None = None,
    comment: str = "",
) -> None:
    """Record one fact for the department assessment, in the step's transaction."""
    uow.assessment.add(
        DepartmentMark(
            case_id=case.id,
            department_key=department_key,
            kind=kind,
            on_time=on_time,
            score=score,
            comment=comment,
            at=uow.now(),
        )
    )


def _is_department(ctx: GridcaseContext):
    directory = ctx.directory
    return lambda key: key in directory and directory.get(key).is_department


def refresh_status(uow: CaseUnitOfWork, case: Case) -> None:
    """Recompute the status after a claim change (a claimed verification is ``checking``)."""
    if case.instance_id is None or is_closed(case.status):
        return
    ready = uow.tasks.ready_for_instance(case.instance_id)
    case.status = derive_status(ready, None, {"escalation_count": case.escalation_count})
    case.updated_at = uow.now()
