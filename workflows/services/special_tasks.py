"""Special tasks (专项任务): one task for every grid of an area, sent by a supervisor by hand
or by a data rule from the catalog (``special_task_rules``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from workflows.adapters.models import Case
from workflows.domain.errors import FieldErrors, ForbiddenError, Phrase, unknown_category
from workflows.domain.org import Unit
from workflows.domain.permissions import ISSUE_RULE_TASKS, ISSUE_SPECIAL_TASKS, Actor
from workflows.services.case_progress import settle
from workflows.services.cases import CaseDetail, detail_in, may_see
from workflows.services.context import GridcaseContext
from workflows.services.intake import NewCase, Opener, open_case


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


@dataclass(frozen=True)
class Issued:
    """The special-task case; its full detail only when the issuer may read the case (a
    data platform may send a task without seeing case data)."""

    case: Case
    detail: CaseDetail | None


def issue(ctx: GridcaseContext, actor: Actor, request: SpecialTaskRequest) -> Issued:
    """Open a special-task case whose process gives each grid worker of the area a task.

    Raises:
        FieldErrors: unknown rule, area, grid or category; missing title or deadline.
        ForbiddenError: the actor supervises no unit covering the area (or, for a rule, is
            neither such a supervisor nor a data platform).
    """
    now = ctx.clock.now()
    request = _with_rule(ctx, request, now)
    grids = _grids(ctx, request)
    issuer = _issuer(ctx, actor, request, grids)
    errors: dict[str, list[str]] = {}
    if not request.title.strip():
        errors["title"] = [Phrase("give the task a title")]
    if request.category not in ctx.catalog.categories:
        errors["category"] = [unknown_category(request.category)]
    if request.deadline is None or request.deadline <= now:
        errors["deadline"] = [Phrase("give a deadline in the future")]
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
    # A data platform sending a rule's task is not its reporter: it reads no case data.
    by_hand = ctx.permissions.has(actor, ISSUE_SPECIAL_TASKS)
    opener = Opener(actor.username, actor.user_id if by_hand else None, actor.display_name)
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
        visible = may_see(ctx, uow, actor, case)
        detail = detail_in(ctx, uow, actor, case, settled.transitions) if visible else None
        return Issued(case, detail)


def _with_rule(
    ctx: GridcaseContext, request: SpecialTaskRequest, now: datetime
) -> SpecialTaskRequest:
    if request.rule is None:
        return request
    rules = ctx.catalog.special_task_rules
    if request.rule not in rules:
        raise FieldErrors({"rule": [Phrase("unknown rule %(rule)s", rule=request.rule)]})
    rule = rules[request.rule]
    return SpecialTaskRequest(
        area=request.area,
        grids=request.grids,
        rule=request.rule,
        title=request.title or rule["title"],
        instructions=request.instructions or rule["instructions"],
        category=request.category or rule["category"],
        deadline=request.deadline or ctx.calendar.add(now, rule["deadline"]),
    )


def _grids(ctx: GridcaseContext, request: SpecialTaskRequest) -> list[Unit]:
    directory = ctx.directory
    if bool(request.area) == bool(request.grids):
        raise FieldErrors({"area": [Phrase("give either an area or a list of grids")]})
    if request.grids:
        wrong = [g for g in request.grids if g not in directory or directory.get(g).level != "grid"]
        if wrong:
            raise FieldErrors({"grids": [Phrase("not grids: %(units)s", units=", ".join(wrong))]})
        return [directory.get(g) for g in dict.fromkeys(request.grids)]
    if request.area not in directory or directory.get(request.area).is_department:
        raise FieldErrors(
            {"area": [Phrase("not an area of the org tree: %(unit)s", unit=request.area)]}
        )
    path = directory.get(request.area).path
    found = directory.under(path, level="grid")
    if not found:
        raise FieldErrors({"area": [Phrase("no grids in %(unit)s", unit=request.area)]})
    return found


def _issuer(
    ctx: GridcaseContext, actor: Actor, request: SpecialTaskRequest, grids: list[Unit]
) -> Unit:
    """The unit that issues the task: the actor's narrowest unit covering every grid where
    it may issue special tasks; a data platform's rule task is issued by the grids' street."""
    directory = ctx.directory
    covering = ctx.permissions.special_task_issuer(actor, grids)
    if covering is not None:
        return covering
    if request.rule and ctx.permissions.has(actor, ISSUE_RULE_TASKS):
        streets = {directory.ancestor_at(g.key, "street").key for g in grids}
        if len(streets) == 1:
            return directory.get(streets.pop())
        return directory.ancestor_at(grids[0].key, "district")
    raise ForbiddenError(f"{actor.username} supervises no unit covering these grids")
