"""/api/v1: device alerts, special tasks and the department assessment."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.api_schemas import (
    AssessmentQuerySchema,
    AssessmentSchema,
    CaseDetailSchema,
    CaseSummarySchema,
    SensorAlertSchema,
    SensorIntakeSchema,
    SpecialTaskCreateSchema,
)
from web.request_body import json_body
from web.security import context, login_required
from workflows.services import assessment, sensors, special_tasks

bp = Blueprint("api_coordination", __name__, url_prefix="/api/v1")


@bp.post("/sensor-alerts")
@login_required
def sensor_alert():
    alert = sensors.Alert(**SensorAlertSchema().load(json_body()))
    intake = sensors.receive_alert(context(), g.actor, alert)
    return SensorIntakeSchema().dump(intake), 200 if intake.attached else 201


@bp.post("/special-tasks")
@login_required
def special_task():
    args = SpecialTaskCreateSchema().load(json_body())
    issued = special_tasks.issue(context(), g.actor, special_tasks.SpecialTaskRequest(**args))
    if issued.detail is None:  # a data platform sends tasks without reading case data
        return {"case": CaseSummarySchema().dump(issued.case)}, 201
    return CaseDetailSchema().dump(issued.detail), 201


@bp.get("/departments/assessment")
@login_required
def department_assessment():
    since = AssessmentQuerySchema().load(request.args)["since"]
    rows = assessment.department_summary(context(), g.actor, since)
    return AssessmentSchema().dump({"departments": rows})
