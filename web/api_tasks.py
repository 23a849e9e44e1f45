"""/api/v1/tasks: the inbox, claim/unclaim and completion."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.schemas import (
    CaseDetailSchema,
    InboxQuerySchema,
    TaskCompleteSchema,
    TaskPageSchema,
    TaskSchema,
)
from web.security import context, login_required
from workflows import cases
from workflows.repositories import InboxFilter

bp = Blueprint("api_tasks", __name__, url_prefix="/api/v1/tasks")


@bp.get("")
@login_required
def list_tasks():
    args = InboxQuerySchema().load(request.args)
    flt = InboxFilter(
        role=args["role"],
        unit_key=args["unit"],
        status=args["status"],
        category=args["category"],
        overdue=args["overdue"],
        mine=args["mine"],
        search=args["q"],
    )
    page = cases.inbox(context(), g.actor, flt, page=args["page"], per_page=args["per_page"])
    return TaskPageSchema().dump(page)


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str):
    return TaskSchema().dump(cases.claim(context(), g.actor, task_id))


@bp.post("/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    return TaskSchema().dump(cases.unclaim(context(), g.actor, task_id))


@bp.post("/<task_id>/complete")
@login_required
def complete(task_id: str):
    body = TaskCompleteSchema().load(request.get_json(silent=True) or {})
    return CaseDetailSchema().dump(cases.complete(context(), g.actor, task_id, body["data"]))
