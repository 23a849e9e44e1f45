"""/api/v1/cases: report a case (JSON, or multipart with photos), read it, query and
export cases."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.api_schemas import (
    CaseCreateSchema,
    CaseDetailSchema,
    CasePageSchema,
    CaseQuerySchema,
    DuplicatesSchema,
    ReportedSchema,
)
from web.exports import CASE_COLUMNS, case_rows, download
from web.labels import STATUS
from web.request_body import files, form_fields, is_multipart, json_body
from web.security import context, login_required
from workflows.services import case_query, cases, duplicates

bp = Blueprint("api_cases", __name__, url_prefix="/api/v1/cases")


@bp.post("")
@login_required
def create_case():
    """Report a case; with ``multipart/form-data`` the files under ``photos`` come along.
    An ``external_id`` the same account sent before answers 200 with that case."""
    if is_multipart():
        new = cases.NewCase(**CaseCreateSchema().load(form_fields()))
        photos = files().get("photos", [])
    else:
        new, photos = cases.NewCase(**CaseCreateSchema().load(json_body())), []
    if request.args.get("view") == "next":
        reported = cases.report(context(), g.actor, new, photos)
        return ReportedSchema().dump(reported), 200 if reported.already_reported else 201
    detail = cases.report_case(context(), g.actor, new, photos)
    return CaseDetailSchema().dump(detail), 200 if detail.already_reported else 201


@bp.get("")
@login_required
def query_cases():
    """The case query: every case the caller may see that matches the filters."""
    args = CaseQuerySchema().load(request.args)
    page, per_page = args.pop("page"), args.pop("per_page")
    found = case_query.search(
        context(), g.actor, case_query.CaseQuery(**args), page=page, per_page=per_page
    )
    return CasePageSchema().dump(found)


@bp.get("/export.<any(csv, xlsx):kind>")
@login_required
def export_cases(kind: str):
    """The case query as a download (at most 50,000 cases)."""
    args = CaseQuerySchema().load(request.args)
    for paging in ("page", "per_page"):
        args.pop(paging)
    found = case_query.export(context(), g.actor, case_query.CaseQuery(**args))
    return download(CASE_COLUMNS, case_rows(context(), found, STATUS), "cases", kind)


@bp.get("/<number>")
@login_required
def get_case(number: str):
    return CaseDetailSchema().dump(cases.get_case(context(), g.actor, number))


@bp.get("/<number>/duplicates")
@login_required
def case_duplicates(number: str):
    """Open cases of the same kind reported nearby (catalog ``duplicates``), nearest first."""
    found = duplicates.candidates(context(), g.actor, number)
    return DuplicatesSchema().dump({"duplicates": found})
