"""The 12345 hotline desk (接诉即办): a call becomes a case of channel ``hotline_12345``.

A call-taker (role ``hotline_agent``, at a centre) either answers it directly (直接办结: the
case is opened at the desk's centre, reviewed as ``answer`` and answered in the same
transaction — it counts as registered and closed) or creates a work order (派单: the case goes
to its stream's first-level centre like any report through the centres). Either way the
call-taker is the case's reporter, so the return visit (回访) — the closed loop's evaluation —
comes back to the desk, and the caller's answer there is the evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.instances import Transition
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import FieldErrors, ForbiddenError
from workflows.domain.permissions import TAKE_CALLS, Actor
from workflows.domain.privacy import is_phone, normalized_phone
from workflows.domain.routing import first_review
from workflows.services import cases
from workflows.services.case_progress import settle
from workflows.services.context import GridcaseContext
from workflows.services.intake import NewCase, Opener, check_new_case, locate, open_case

CHANNEL = "hotline_12345"


@dataclass(frozen=True)
class Call:
    caller_name: str
    caller_phone: str
    category: str
    description: str
    event_code: str | None = None
    address: str = ""
    grid: str | None = None
    lat: float | None = None
    lon: float | None = None
    priority: str = "normal"
    # Given: the call is answered directly and the case closes with this answer.
    answer: str | None = None


def desk_unit(ctx: GridcaseContext, actor: Actor) -> str:
    """The centre whose desk the actor sits at.

    Raises: ForbiddenError for someone who takes no calls."""
    units = [u.key for u in ctx.permissions.units(actor, TAKE_CALLS)]
    if not units:
        raise ForbiddenError(f"{actor.username} takes no hotline calls")
    return units[0]


def take_call(ctx: GridcaseContext, actor: Actor, call: Call) -> cases.CaseDetail:
    """Register a call, answered directly or as a work order, in one transaction.

    Raises:
        ForbiddenError: the actor takes no calls, or may not answer at their centre.
        FieldErrors: the caller's phone, the category, the place … (each under its field).
    """
    desk = desk_unit(ctx, actor)
    new = NewCase(
        category=call.category,
        description=call.description,
        priority=call.priority,
        channel=CHANNEL,
        grid=call.grid,
        lat=call.lat,
        lon=call.lon,
        address=call.address,
        event_code=call.event_code,
        reporter_name=call.caller_name.strip(),
        reporter_phone=normalized_phone(call.caller_phone),
    )
    errors: dict[str, list[str]] = {}
    if not call.caller_phone.strip():  # the form of the number is checked with the case
        errors["caller_phone"] = ["a phone number, digits only"]
    if call.answer is not None and not call.answer.strip():
        errors["answer"] = ["write the answer given to the caller"]
    try:
        check_new_case(ctx, new)
        grid = locate(ctx, new)
    except FieldErrors as err:
        # The reporter's phone is the caller's, under the desk's field name.
        found = dict(err.fields)
        if "reporter_phone" in found:
            found["caller_phone"] = found.pop("reporter_phone")
        errors = found | errors
    if errors:
        raise FieldErrors(errors)
    review = first_review(ctx.directory, ctx.catalog, grid.key, CHANNEL, new.category)
    answered = call.answer is not None
    opener = Opener(actor.username, actor.user_id, actor.display_name)
    with ctx.uow() as uow:
        case, transition = open_case(
            ctx,
            uow,
            new,
            opener,
            grid=grid,
            review_unit=ctx.directory.get(desk) if answered else review.unit,
            forward_to=None if answered else review.forward_to,
        )
        moved = settle(ctx, uow, case, transition).transitions
        if answered:
            assert call.answer is not None
            moved = _answer(ctx, uow, actor, case, call.answer.strip())
        uow.commit()
        return cases.detail_in(ctx, uow, actor, case, moved)


def _answer(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, case: Case, answer: str
) -> list[Transition]:
    """Review the new case as answered, then give the answer: two steps, one transaction."""
    moved: list[Transition] = []
    for element, data in (("review", {"decision": "answer"}), ("answer", {"answer": answer})):
        record = next(
            t for t in uow.tasks.ready_for_instance(case.instance_id) if t.element_id == element
        )
        moved = cases.complete_in(ctx, uow, actor, case, record, data, None, "")
    return moved


def caller_history(ctx: GridcaseContext, actor: Actor, phone: str) -> Sequence[Case]:
    """The caller's earlier cases (any channel), newest first, for the desk.

    Raises: ForbiddenError for someone who takes no calls; FieldErrors for no phone."""
    desk_unit(ctx, actor)
    number = normalized_phone(phone)
    if not is_phone(number):
        raise FieldErrors({"phone": ["a phone number, digits only"]})
    with ctx.uow() as uow:
        return uow.cases.by_phone(number, limit=20)
