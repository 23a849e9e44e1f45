"""Shared steps for the cross-department process tests (service layer, both databases)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.models import TaskRecord
from workflows.services import cases, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

GRID1 = "339901001001001"
COMMUNITY1 = "339901001001000"
STREET1 = "339901001000000"
DISTRICT = "339901000000000"


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def ready(ctx: GridcaseContext, number: str) -> list[TaskRecord]:
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    return [t.task for t in detail.tasks if t.task.state == "ready"]


def step(
    ctx: GridcaseContext, number: str, element: str, user: str, data: Mapping[str, Any]
) -> cases.CaseDetail:
    """Complete the first ready task ``element`` of a case that ``user`` may work on."""
    actor = load_actor(ctx, user)
    task = next(
        t
        for t in ready(ctx, number)
        if t.element_id == element and ctx.permissions.may_work(actor, t)
    )
    return cases.complete(ctx, actor, task.id, data)


def report(ctx: GridcaseContext, category: str = "02", text: str = "占道经营", **kw: Any):
    return cases.report_case(
        ctx, load_actor(ctx, "gw01"), cases.NewCase(category, text, grid=GRID1, **kw)
    )


def accepted(ctx: GridcaseContext, **kw: Any) -> str:
    """A reported case accepted by the community and waiting for dispatch."""
    number = report(ctx, **kw).case.number
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    return number


def at_street(ctx: GridcaseContext) -> str:
    """A case escalated to the street and accepted there, waiting for the street's dispatch."""
    number = report(ctx).case.number
    step(ctx, number, "review", "cd01", {"decision": "escalate", "reason": "涉及多个部门"})
    step(ctx, number, "review", "sd01", {"decision": "accept"})
    return number


def fire_until_quiet(ctx: GridcaseContext, number: str) -> None:
    """Fire every timer of a case (and of its children) that is due now."""
    admin = load_actor(ctx, "admin")
    detail = cases.get_case(ctx, admin, number)
    while timers.fire(ctx, detail.case.instance_id or 0):
        pass


def child(ctx: GridcaseContext, number: str, kind: str) -> str:
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    return next(c for c in detail.children if c.link_kind == kind).number


def after(ctx: GridcaseContext, **delta: float) -> str:
    """A time ``delta`` after the test's clock (which the test then moves past it)."""
    return (ctx.clock.now() + timedelta(**delta)).isoformat()
