"""/api/v1/tasks: the inbox, claim/unclaim and completion."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.api_schemas import (
    CaseDetailSchema,
    CompletedSchema,
    InboxQuerySchema,
    TaskCompleteSchema,
    TaskPageSchema,
    TaskSchema,
)
from web.request_body import files, is_multipart, json_body, json_field
from web.security import context, login_required
from workflows.services import cases

bp = Blueprint("api_tasks", __name__, url_prefix="/api/v1/tasks")


@bp.get("")
@login_required
def list_tasks():
    args = InboxQuerySchema().load(request.args)
    flt = cases.InboxFilter(
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
    """Complete a task: ``data`` (JSON, or a JSON text field of a multipart form whose files
    go to the form's photo fields by name); ``override_reason`` when a supervisor completes
    it in the holder's place."""
    if is_multipart():
        body = TaskCompleteSchema().load(
            {"data": json_field("data"), "override_reason": request.form.get("override_reason", "")}
        )
        photos = files()
    else:
        body, photos = TaskCompleteSchema().load(json_body()), {}
    if request.args.get("view") == "next":
        done = cases.complete_step(
            context(), g.actor, task_id, body["data"], photos=photos, reason=body["override_reason"]
        )
        return CompletedSchema().dump(done)
    detail = cases.complete(
        context(), g.actor, task_id, body["data"], photos=photos, reason=body["override_reason"]
    )
    return CaseDetailSchema().dump(detail)
