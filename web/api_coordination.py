"""/api/v1: device alerts, special tasks and the department assessment."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.schemas import (
    AssessmentQuerySchema,
    AssessmentRowSchema,
    CaseDetailSchema,
    SensorAlertSchema,
    SensorIntakeSchema,
    SpecialTaskCreateSchema,
)
from web.security import context, login_required
from workflows import assessment, sensors, special_tasks

bp = Blueprint("api_coordination", __name__, url_prefix="/api/v1")


@bp.post("/sensor-alerts")
@login_required
def sensor_alert():
    alert = sensors.Alert(**SensorAlertSchema().load(request.get_json(silent=True) or {}))
    intake = sensors.receive_alert(context(), g.actor, alert)
    return SensorIntakeSchema().dump(intake), 200 if intake.attached else 201


@bp.post("/special-tasks")
@login_required
def special_task():
    args = SpecialTaskCreateSchema().load(request.get_json(silent=True) or {})
    detail = special_tasks.issue(context(), g.actor, special_tasks.SpecialTaskRequest(**args))
    return CaseDetailSchema().dump(detail), 201


@bp.get("/departments/assessment")
@login_required
def department_assessment():
    since = AssessmentQuerySchema().load(request.args)["since"]
    rows = assessment.department_summary(context(), g.actor, since)
    return {"departments": AssessmentRowSchema(many=True).dump(rows)}
