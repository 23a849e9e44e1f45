"""/api/v1/cases: report a case (JSON, or multipart with photos) and read it."""

from __future__ import annotations

from flask import Blueprint, g

from web.api_schemas import CaseCreateSchema, CaseDetailSchema
from web.request_body import files, form_fields, is_multipart, json_body
from web.security import context, login_required
from workflows.services import cases

bp = Blueprint("api_cases", __name__, url_prefix="/api/v1/cases")


@bp.post("")
@login_required
def create_case():
    """Report a case; with ``multipart/form-data`` the files under ``photos`` come along."""
    if is_multipart():
        new = cases.NewCase(**CaseCreateSchema().load(form_fields()))
        photos = files().get("photos", [])
    else:
        new, photos = cases.NewCase(**CaseCreateSchema().load(json_body())), []
    detail = cases.report_case(context(), g.actor, new, photos)
    return CaseDetailSchema().dump(detail), 201


@bp.get("/<number>")
@login_required
def get_case(number: str):
    return CaseDetailSchema().dump(cases.get_case(context(), g.actor, number))
