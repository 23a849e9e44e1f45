"""/api/v1/cases: report a case and read it with its tasks and history."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.schemas import CaseCreateSchema, CaseDetailSchema
from web.security import context, login_required
from workflows import cases

bp = Blueprint("api_cases", __name__, url_prefix="/api/v1/cases")


@bp.post("")
@login_required
def create_case():
    new = cases.NewCase(**CaseCreateSchema().load(request.get_json(silent=True) or {}))
    detail = cases.report_case(context(), g.actor, new)
    return CaseDetailSchema().dump(detail), 201


@bp.get("/<number>")
@login_required
def get_case(number: str):
    return CaseDetailSchema().dump(cases.get_case(context(), g.actor, number))
