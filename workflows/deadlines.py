"""Changing a case's clock: extensions (申请延期) and suspension (挂起).

Both keep an approval trail in the journal, as provincial rules require for 延期 and 缓办.
"""

from __future__ import annotations

from datetime import datetime

from engine import clock, instances
from engine.db import utcnow
from engine.errors import ConflictError, FieldErrors, ForbiddenError
from workflows.auth import Actor
from workflows.cases import CaseDetail, get_case, may_work
from workflows.context import GridcaseContext
from workflows.models import Case, ExtensionRequest
from workflows.notifications import Recipient, add_notices
from workflows.progress import after_commit, settle


def _dispatcher_role(ctx: GridcaseContext, case: Case) -> str | None:
    level = ctx.directory.get(case.review_unit_key).level
    return ctx.catalog.lanes["dispatcher"].role_for(level)


def _may_steer(ctx: GridcaseContext, actor: Actor, case: Case) -> bool:
    """The dispatcher of the case's level, or a supervisor above its grid."""
    if actor.holds(_dispatcher_role(ctx, case), case.review_unit_key):
        return True
    grid_path = ctx.directory.get(case.grid_key).path
    return any(
        grid_path.startswith(ctx.directory.get(unit).path)
        for unit in actor.units_with("supervisor")
        if unit in ctx.directory
    )


def request_extension(
    ctx: GridcaseContext, actor: Actor, task_id: str, reason: str, until: datetime
) -> ExtensionRequest:
    """A task holder asks for a later deadline.

    Raises:
        ForbiddenError: the actor may not work this task.
        FieldErrors: no reason, or a time not after the current deadline.
        ConflictError: the task has no deadline or a request is already pending.
    """
    with ctx.uow() as uow:
        task = uow.tasks.get(task_id)
        if not may_work(actor, task):
            raise ForbiddenError(f"{actor.username} does not hold this task")
        if task.state != "ready" or task.due_at is None:
            raise ConflictError("only a waiting task with a deadline can be extended")
        errors: dict[str, list[str]] = {}
        if not reason.strip():
            errors["reason"] = ["give a reason"]
        if until <= task.due_at:
            errors["until"] = [f"must be after the current deadline {task.due_at.isoformat()}"]
        if errors:
            raise FieldErrors(errors)
        case = uow.cases.by_instance(task.instance_id)
        if uow.extensions.pending_for(case.id):
            raise ConflictError("an extension request is already waiting for a decision")
        request = ExtensionRequest(
            case_id=case.id,
            task_id=task_id,
            requested_by=actor.username,
            reason=reason,
            requested_until=until,
            created_at=utcnow(),
        )
        uow.extensions.add(request)
        instance = uow.instances.get(task.instance_id)
        instances.journal(
            uow,
            instance,
            actor.username,
            "extension_requested",
            task=task,
            reason=reason,
            payload={"until": until.isoformat()},
        )
        notices = add_notices(
            uow,
            case,
            "extension_requested",
            [Recipient(_dispatcher_role(ctx, case), case.review_unit_key)],
            body=reason,
        )
        uow.commit()
    after_commit(ctx, [], notices)
    return request


def decide_extension(
    ctx: GridcaseContext, actor: Actor, request_id: int, approve: bool, comment: str = ""
) -> ExtensionRequest:
    """The dispatcher approves (the deadline and its timers move) or refuses.

    Raises:
        NotFoundError, ForbiddenError, ConflictError (already decided or the step moved on).
    """
    with ctx.uow() as uow:
        request = uow.extensions.get(request_id)
        case = uow.cases.get(request.case_id)
        if not _may_steer(ctx, actor, case):
            raise ForbiddenError(f"{actor.username} may not decide extensions of {case.number}")
        if request.status != "pending":
            raise ConflictError(f"the request is already {request.status}")
        request.status = "approved" if approve else "refused"
        request.decided_by = actor.username
        request.decided_at = utcnow()
        request.comment = comment
        transitions = []
        notices = []
        if approve:
            ready = [t.id for t in uow.tasks.ready_for_instance(case.instance_id or 0)]
            warning = warning_before(ctx, case, request.requested_until)
            transition = clock.move_deadline(
                uow,
                ctx.engine,
                case.instance_id or 0,
                ready,
                request.requested_until,
                warning,
                actor.username,
                f"extension approved: {request.reason}",
                variables={
                    "handle_due": request.requested_until.isoformat(),
                    "handle_warn": warning.isoformat(),
                },
            )
            settled = settle(ctx, uow, case, transition)
            notices += settled.notices
            transitions += settled.transitions
        else:
            instance = uow.instances.get(case.instance_id or 0)
            instances.journal(uow, instance, actor.username, "extension_refused", reason=comment)
        notices += add_notices(
            uow,
            case,
            f"extension_{request.status}",
            [Recipient(None, None, request.requested_by)],
            body=comment,
        )
        uow.commit()
    after_commit(ctx, transitions, notices)
    return request


def warning_before(ctx: GridcaseContext, case: Case, due: datetime) -> datetime:
    """When the yellow warning goes off for a deadline set now (the category's fraction)."""
    fraction = ctx.catalog.category(case.category).warning_fraction
    now = utcnow()
    return now + (due - now) * fraction


def suspend_case(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> CaseDetail:
    """Pause every timer of a case (e.g. waiting for a court decision).

    Raises:
        ForbiddenError; FieldErrors without a reason; ConflictError when not running.
    """
    _change_clock(ctx, actor, number, reason, clock.suspend)
    return get_case(ctx, actor, number)


def resume_case(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> CaseDetail:
    """Restart a suspended case's timers with the time they had left.

    Raises:
        ForbiddenError; FieldErrors without a reason; ConflictError when not suspended.
    """
    _change_clock(ctx, actor, number, reason, clock.resume)
    return get_case(ctx, actor, number)


def _change_clock(ctx: GridcaseContext, actor: Actor, number: str, reason: str, operation) -> None:
    if not reason.strip():
        raise FieldErrors({"reason": ["give a reason"]})
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        if not _may_steer(ctx, actor, case) or case.instance_id is None:
            raise ForbiddenError(f"{actor.username} may not suspend or resume {number}")
        transition = operation(uow, ctx.engine, case.instance_id, actor.username, reason)
        case.suspended = transition.instance.status == "suspended"
        case.updated_at = utcnow()
        uow.commit()
    after_commit(ctx, [transition], [])
