"""/api/v1: extensions, suspension, notifications and failed jobs."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from web.api_schemas import (
    CaseDetailSchema,
    ExtensionCreateSchema,
    ExtensionDecisionSchema,
    ExtensionSchema,
    FailedJobSchema,
    NotificationSchema,
    ReasonSchema,
)
from web.request_body import json_body, parse_flag
from web.security import context, login_required
from workflows.services import deadlines, notifications, supervision

bp = Blueprint("api_deadlines", __name__, url_prefix="/api/v1")


@bp.post("/tasks/<task_id>/extension")
@login_required
def request_extension(task_id: str):
    args = ExtensionCreateSchema().load(json_body())
    made = deadlines.request_extension(context(), g.actor, task_id, args["reason"], args["until"])
    return ExtensionSchema().dump(made), 201


@bp.post("/extensions/<int:request_id>/decision")
@login_required
def decide_extension(request_id: int):
    args = ExtensionDecisionSchema().load(json_body())
    decided = deadlines.decide_extension(
        context(), g.actor, request_id, args["approve"], args["comment"]
    )
    return ExtensionSchema().dump(decided)


@bp.post("/cases/<number>/suspend")
@login_required
def suspend(number: str):
    reason = ReasonSchema().load(json_body())["reason"]
    return CaseDetailSchema().dump(deadlines.suspend_case(context(), g.actor, number, reason))


@bp.post("/cases/<number>/resume")
@login_required
def resume(number: str):
    reason = ReasonSchema().load(json_body())["reason"]
    return CaseDetailSchema().dump(deadlines.resume_case(context(), g.actor, number, reason))


@bp.get("/notifications")
@login_required
def list_notifications():
    unread = parse_flag(request.args.get("unread"), "unread")
    found = notifications.for_actor(context(), g.actor, unread_only=unread)
    return jsonify(NotificationSchema(many=True).dump(found))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    return NotificationSchema().dump(notifications.mark_read(context(), g.actor, notification_id))


@bp.get("/jobs/failed")
@login_required
def failed_jobs():
    return jsonify(FailedJobSchema(many=True).dump(supervision.failed_jobs(context(), g.actor)))
