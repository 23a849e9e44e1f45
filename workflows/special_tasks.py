"""Special tasks (专项任务): one task for every grid of an area, sent by a supervisor by hand
or by a data rule from the catalog (``special_task_rules``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.db import utcnow
from workflows.auth import Actor
from workflows.cases import CaseDetail, get_case
from workflows.context import GridcaseContext
from workflows.errors import FieldErrors, ForbiddenError
from workflows.intake import NewCase, Opener, open_case
from workflows.org import Unit
from workflows.progress import after_commit, settle

# A data platform posting rule-based tasks holds this role (like a device gateway).
RULE_SENDERS = ("sensor_gateway",)


@dataclass(frozen=True)
class SpecialTaskRequest:
    """By hand: title, instructions, category, deadline; or ``rule`` naming a catalog rule.
    The area is one unit (every grid under it) or an explicit list of grids."""

    area: str | None = None
    grids: Sequence[str] = ()
    rule: str | None = None
    title: str = ""
    instructions: str = ""
    category: str | None = None
    deadline: datetime | None = None


def issue(ctx: GridcaseContext, actor: Actor, request: SpecialTaskRequest) -> CaseDetail:
    """Open a special-task case whose process gives each grid worker of the area a task.

    Raises:
        FieldErrors: unknown rule, area, grid or category; missing title or deadline.
        ForbiddenError: the actor supervises no unit covering the area (or, for a rule, is
            neither such a supervisor nor a data platform).
    """
    request = _with_rule(ctx, request)
    grids = _grids(ctx, request)
    issuer = _issuer(ctx, actor, request, grids)
    errors: dict[str, list[str]] = {}
    if not request.title.strip():
        errors["title"] = ["give the task a title"]
    if request.category not in ctx.catalog.categories:
        errors["category"] = [f"unknown category {request.category!r}"]
    if request.deadline is None or request.deadline <= utcnow():
        errors["deadline"] = ["give a deadline in the future"]
    if errors:
        raise FieldErrors(errors)
    assert request.category is not None and request.deadline is not None
    area = ctx.directory.get(request.area) if request.area else ctx.directory.get(grids[0].key)
    new = NewCase(
        category=request.category,
        description=request.instructions,
        title=request.title,
        channel="supervisor",
    )
    start = {
        "grids": [g.key for g in grids],
        "deadline": request.deadline.isoformat(),
        "title": request.title,
        "instructions": request.instructions,
        "issuer_unit": issuer.key,
        "rule": request.rule,
    }
    opener = Opener(actor.username, actor.user_id, actor.display_name)
    with ctx.uow() as uow:
        case, transition = open_case(
            ctx,
            uow,
            new,
            opener,
            grid=area,
            review_unit=issuer,
            process="special_task",
            start_data=start,
        )
        settled = settle(ctx, uow, case, transition)
        uow.commit()
        after_commit(ctx, settled.transitions, settled.notices)
        number = case.number
    return get_case(ctx, actor, number)


def _with_rule(ctx: GridcaseContext, request: SpecialTaskRequest) -> SpecialTaskRequest:
    if request.rule is None:
        return request
    rules = ctx.catalog.raw.get("special_task_rules", {})
    if request.rule not in rules:
        raise FieldErrors({"rule": [f"unknown rule {request.rule!r}"]})
    rule = rules[request.rule]
    return SpecialTaskRequest(
        area=request.area,
        grids=request.grids,
        rule=request.rule,
        title=request.title or rule["title"],
        instructions=request.instructions or rule["instructions"],
        category=request.category or rule["category"],
        deadline=request.deadline or ctx.calendar.add(utcnow(), rule["deadline"]),
    )


def _grids(ctx: GridcaseContext, request: SpecialTaskRequest) -> list[Unit]:
    directory = ctx.directory
    if bool(request.area) == bool(request.grids):
        raise FieldErrors({"area": ["give either an area or a list of grids"]})
    if request.grids:
        wrong = [g for g in request.grids if g not in directory or directory.get(g).level != "grid"]
        if wrong:
            raise FieldErrors({"grids": [f"not grids: {', '.join(wrong)}"]})
        return [directory.get(g) for g in dict.fromkeys(request.grids)]
    if request.area not in directory or directory.get(request.area).is_department:
        raise FieldErrors({"area": [f"{request.area} is not an area of the org tree"]})
    path = directory.get(request.area).path
    found = [g for g in directory.grids() if g.path.startswith(path)]
    if not found:
        raise FieldErrors({"area": [f"{request.area} has no grids"]})
    return found


def _issuer(
    ctx: GridcaseContext, actor: Actor, request: SpecialTaskRequest, grids: list[Unit]
) -> Unit:
    """The supervising unit that issues the task: the actor's narrowest supervisor unit
    covering every grid; a data platform's rule task is issued by the grids' street."""
    directory = ctx.directory
    covering = [
        directory.get(u)
        for u in actor.units_with("supervisor")
        if u in directory and all(g.path.startswith(directory.get(u).path) for g in grids)
    ]
    if covering:
        return max(covering, key=lambda u: len(u.path))
    if request.rule and any(actor.units_with(role) for role in RULE_SENDERS):
        streets = {directory.ancestor_at(g.key, "street").key for g in grids}
        if len(streets) == 1:
            return directory.get(streets.pop())
        return directory.ancestor_at(grids[0].key, "district")
    raise ForbiddenError(f"{actor.username} supervises no unit covering these grids")
