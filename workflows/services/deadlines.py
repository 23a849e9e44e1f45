"""Changing a case's clock: extensions (申请延期), suspension (挂起) and a new deadline.

Each keeps an approval trail in the journal, as provincial rules require for 延期 and 缓办.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from engine import instances
from engine import timers as instance_timers
from engine.instances import Runtime, Transition
from workflows.adapters.models import Case, ExtensionRequest
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import Recipient
from workflows.domain.deadline_rules import deadline_variables, warning_before
from workflows.domain.errors import ConflictError, FieldErrors, ForbiddenError, Phrase
from workflows.domain.permissions import Actor
from workflows.services.case_progress import schedule, settle
from workflows.services.cases import CaseDetail, detail_in
from workflows.services.context import GridcaseContext
from workflows.services.notifications import add_notices


def _dispatcher_role(ctx: GridcaseContext, case: Case) -> str | None:
    level = ctx.directory.get(case.review_unit_key).level
    return ctx.catalog.lanes["dispatcher"].role_for(level)


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
        if not ctx.permissions.may_work(actor, task):
            raise ForbiddenError(f"{actor.username} does not hold this task")
        if task.state != "ready" or task.due_at is None:
            raise ConflictError(Phrase("only a waiting step with a time limit can get more time"))
        errors: dict[str, list[str]] = {}
        if not reason.strip():
            errors["reason"] = ["give a reason"]
        if until <= task.due_at:
            errors["until"] = [Phrase("must be after the current deadline")]
        if errors:
            raise FieldErrors(errors)
        case = uow.cases.by_instance(task.instance_id)
        if any(_live(uow, r) for r in uow.extensions.pending_for(case.id)):
            raise ConflictError(Phrase("a request for more time is already waiting for a decision"))
        request = ExtensionRequest(
            case_id=case.id,
            task_id=task_id,
            requested_by=actor.username,
            reason=reason,
            requested_until=until,
            created_at=uow.now(),
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
        dispatchers = [Recipient(_dispatcher_role(ctx, case), case.review_unit_key)]
        notices = add_notices(ctx, uow, case, "extension_requested", dispatchers, body=reason)
        schedule(ctx, uow, [], notices)
        uow.commit()
    return request


@dataclass(frozen=True)
class PendingExtension:
    """A request for more time waiting for a decision, with what the decider weighs."""

    request: ExtensionRequest
    case: Case
    step: str
    due_at: datetime | None
    asked_by: str  # the person's display name


@dataclass(frozen=True)
class ToDecide:
    """The oldest requests an actor may decide, and how many wait in all (exact up to
    ``PENDING_COUNTED``, past it ``more``)."""

    items: list[PendingExtension]
    total: int = 0
    more: bool = False


PENDING_SHOWN = 10  # the inbox shows the oldest requests; deciding one brings the next
PENDING_COUNTED = 100  # and counts them up to this: "100+" is all a queue's reader needs


def extensions_to_decide(ctx: GridcaseContext, actor: Actor) -> ToDecide:
    """The requests the actor may approve or refuse (dispatchers and supervisors above the
    case: :meth:`Permissions.steer_scope`), oldest first."""
    scope = ctx.permissions.steer_scope(actor)
    if not scope:
        return ToDecide([])
    with ctx.uow() as uow:
        found = uow.extensions.pending(scope.review_units, scope.grids, PENDING_SHOWN)
        total = len(found)
        if total == PENDING_SHOWN:
            total = uow.extensions.count_pending(
                scope.review_units, scope.grids, PENDING_COUNTED + 1
            )
        names = uow.users.display_names({r.requested_by for r, _c, _t in found})
        items = [
            PendingExtension(r, c, t.title, t.due_at, names.get(r.requested_by, r.requested_by))
            for r, c, t in found
        ]
        return ToDecide(items, min(total, PENDING_COUNTED), total > PENDING_COUNTED)


def lapse_moved_on(ctx: GridcaseContext) -> int:
    """The sweep's chore: requests whose step is done lapse, so that the inboxes' count
    and the index of pending requests hold only those still waiting; how many lapsed."""
    with ctx.uow() as uow:
        lapsed = uow.extensions.moved_on()
        if lapsed:  # the embedded poll asks every second: mostly a read, no write
            uow.extensions.lapse(lapsed)
            uow.commit()
        return len(lapsed)


def pending_extension(ctx: GridcaseContext, task_id: str) -> ExtensionRequest | None:
    """The request for more time on this waiting step, if one waits for a decision."""
    with ctx.uow() as uow:
        task = uow.tasks.get(task_id)
        case = uow.cases.by_instance(task.instance_id)
        found = [r for r in uow.extensions.pending_for(case.id) if r.task_id == task_id]
        return found[0] if found and task.state == "ready" else None


def _live(uow: CaseUnitOfWork, request: ExtensionRequest) -> bool:
    """A request still means something while its step waits; once the step is done (the
    handler finished anyway) it lapses."""
    return uow.tasks.get(request.task_id).state == "ready"


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
        if not ctx.permissions.may_steer(actor, case):
            raise ForbiddenError(f"{actor.username} may not decide extensions of {case.number}")
        if request.status == "lapsed":
            raise ConflictError(Phrase("the step has moved on: the request has lapsed"))
        if request.status != "pending":
            raise ConflictError(Phrase("the request has been decided already"))
        if not _live(uow, request):
            request.status = "lapsed"
            uow.commit()
            raise ConflictError(Phrase("the step has moved on: the request has lapsed"))
        request.status = "approved" if approve else "refused"
        request.decided_by = actor.username
        request.decided_at = uow.now()
        request.comment = comment
        if approve:
            move_deadline(ctx, uow, case, request.requested_until, actor.username, request.reason)
            case.extended = True
        instance = uow.instances.get(case.instance_id or 0)
        instances.journal(
            uow, instance, actor.username, f"extension_{request.status}", reason=comment
        )
        asker = [Recipient(None, None, request.requested_by)]
        notices = add_notices(ctx, uow, case, f"extension_{request.status}", asker, body=comment)
        schedule(ctx, uow, [], notices)
        uow.commit()
    return request


def move_deadline(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    case: Case,
    due: datetime,
    actor: str,
    reason: str,
) -> None:
    """Move the deadline and warning of every waiting step of a case, and the variables the
    steps name for them, in the caller's transaction.

    Raises:
        FieldErrors: the new deadline is not in the future.
        ConflictError: no deadline timer waits.
    """
    now = uow.now()
    if due <= now:
        raise FieldErrors({"due": ["the new deadline must be in the future"]})
    ready = list(uow.tasks.ready_for_instance(case.instance_id or 0))
    warning = warning_before(ctx.catalog, case.category, now, due)
    transition = instance_timers.move_deadline(
        uow,
        ctx.runtime,
        case.instance_id or 0,
        [r.id for r in ready],
        due,
        warning,
        actor,
        reason,
        variables=deadline_variables(ready, due, warning),
    )
    case.deadline = due
    settle(ctx, uow, case, transition)


def suspend_case(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> CaseDetail:
    """Pause every timer of a case (e.g. waiting for a court decision).

    Raises:
        ForbiddenError; FieldErrors without a reason; ConflictError when not running.
    """
    return _change_clock(ctx, actor, number, reason, instance_timers.suspend)


def resume_case(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> CaseDetail:
    """Restart a suspended case's timers with the time they had left.

    Raises:
        ForbiddenError; FieldErrors without a reason; ConflictError when not suspended.
    """
    return _change_clock(ctx, actor, number, reason, instance_timers.resume)


ClockChange = Callable[[CaseUnitOfWork, Runtime, int, str, str], Transition]


def _change_clock(
    ctx: GridcaseContext, actor: Actor, number: str, reason: str, operation: ClockChange
) -> CaseDetail:
    if not reason.strip():
        raise FieldErrors({"reason": ["give a reason"]})
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        if not ctx.permissions.may_steer(actor, case) or case.instance_id is None:
            raise ForbiddenError(f"{actor.username} may not suspend or resume {number}")
        transition = operation(uow, ctx.runtime, case.instance_id, actor.username, reason)
        case.suspended = transition.instance.status == "suspended"
        case.ever_suspended = case.ever_suspended or case.suspended
        case.updated_at = uow.now()
        schedule(ctx, uow, [transition])
        uow.commit()
        return detail_in(ctx, uow, actor, case)
