"""Route the messages one case's process throws to the case that must act on them.

Three rules, in order:

1. The case's parent is waiting for the message → it is delivered there (a conference
   decision or a whistle result going back into the waiting closed-loop case).
2. The message is ``report_case`` → a new case is opened from its payload like a report,
   linked as a ``service`` child (a welfare visit that finds a need).
3. A deployed process starts on that message → a child case runs that process
   (``joint_conference_requested`` opens a joint conference for the case).

Anything else is a design error in the diagram and fails the whole step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import instances
from engine.errors import WorkflowStepError
from engine.host import Message
from engine.instances import Transition
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import FieldErrors
from workflows.services.context import GridcaseContext
from workflows.services.intake import Link, NewCase, Opener, check_new_case, locate, open_case

REPORT_CASE = "report_case"
SYSTEM = Opener("system", None, "系统")


def route_message(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, message: Message
) -> tuple[Case, Transition]:
    """Deliver or start; returns the case that moved and its transition.

    Raises:
        WorkflowStepError: no case or process takes the message, or its payload is unusable.
    """
    if case.parent_id is not None:
        parent = uow.cases.get(case.parent_id)
        instance = uow.instances.get(parent.instance_id) if parent.instance_id else None
        snapshot = instances.snapshot(uow, ctx.runtime, instance) if instance else None
        if instance is not None and snapshot and message.name in snapshot.waiting_messages:
            transition = instances.deliver_message(uow, ctx.runtime, instance, message, "system")
            return parent, transition
    if message.name == REPORT_CASE:
        return _open_service_case(ctx, uow, case, _payload(message))
    process = instances.message_starts(uow, ctx.runtime).get(message.name)
    if process is None:
        raise WorkflowStepError(
            f"no case or process waits for message {message.name!r} thrown by {case.number}"
        )
    grid = ctx.directory.get(case.grid_key)
    new = NewCase(
        category=case.category,
        description=case.description,
        title=case.title,
        priority=case.priority,
        channel=case.channel,
        address=case.address,
    )
    return open_case(
        ctx,
        uow,
        new,
        SYSTEM,
        grid=grid,
        review_unit=ctx.directory.get(case.review_unit_key),
        process=process,
        link=Link(case, process),
        message=message,
    )


def _payload(message: Message) -> Mapping[str, Any]:
    if not isinstance(message.payload, Mapping):
        raise WorkflowStepError(f"message {message.name!r} carries no fields")
    return message.payload


def _open_service_case(
    ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, payload: Mapping[str, Any]
) -> tuple[Case, Transition]:
    new = NewCase(
        category=str(payload.get("category") or ""),
        description=str(payload.get("description") or ""),
        priority=str(payload.get("priority") or "normal"),
        channel=str(payload.get("channel") or case.channel),
        grid=payload.get("grid") or case.grid_key,
        address=case.address,
        lat=case.lat,
        lon=case.lon,
    )
    try:
        check_new_case(ctx, new)
        grid = locate(ctx, new)
    except FieldErrors as err:
        raise WorkflowStepError(f"cannot open a case from {case.number}: {err}") from err
    return open_case(ctx, uow, new, SYSTEM, grid=grid, link=Link(case, "service"))
