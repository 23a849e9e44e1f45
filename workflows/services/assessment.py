"""Department assessment: what the cross-department processes record about each department
(report-in punctuality and late marks from whistle call-ins, missed conference time boxes,
the street's ratings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.domain.permissions import ASSESS, Actor
from workflows.services.context import GridcaseContext


def department_summary(
    ctx: GridcaseContext, actor: Actor, since: datetime | None = None
) -> list[dict[str, Any]]:
    """One row per department with marks since ``since``.

    Raises:
        ForbiddenError: the actor holds none of the roles that assess departments.
    """
    message = f"{actor.username} may not see department assessments"
    ctx.permissions.require(actor, ASSESS, message)
    with ctx.uow() as uow:
        rows = uow.assessment.summary(since)
    for row in rows:
        unit = ctx.directory.get(row["department"])
        row["name_zh"], row["name_en"] = unit.name_zh, unit.name_en
        if row["average_score"] is not None:
            row["average_score"] = round(float(row["average_score"]), 2)
    return rows
