"""The case query page (案件综合查询), its downloads and the printable case sheet (案件单)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from marshmallow import ValidationError

from web.api_schemas import CaseQuerySchema
from web.errors import flatten
from web.labels import why_waiting
from web.security import context, login_required
from workflows.domain.errors import FieldErrors
from workflows.services import case_query, cases

bp = Blueprint("query", __name__)


@bp.get("/cases")
@login_required
def cases_page():
    """Every case the person may see, filtered; ``mine=1`` is "my reports"."""
    ctx = context()
    errors: dict = {}
    found = None
    try:
        args = CaseQuerySchema().load(request.args)
        page, per_page = args.pop("page"), args.pop("per_page")
        found = case_query.search(
            ctx, g.actor, case_query.CaseQuery(**args), page=page, per_page=per_page
        )
    except ValidationError as err:
        errors = flatten(err.messages)
    except FieldErrors as err:
        errors = err.fields
    areas = [u for u in ctx.directory.all() if not u.is_department and u.level != "city"]
    departments = [u for u in ctx.directory.all() if u.is_department]
    return render_template(
        "cases.html", found=found, errors=errors, areas=areas, departments=departments
    ), (400 if errors else 200)


@bp.get("/cases/<number>/print")
@login_required
def case_sheet(number: str):
    """A case on one printable sheet (案件单): facts, photos, every step and answer."""
    ctx = context()
    detail = cases.get_case(ctx, g.actor, number)
    return render_template(
        "case_print.html",
        detail=detail,
        waiting_lines=why_waiting(detail, ctx.directory, ctx.catalog.roles),
        printed_at=ctx.clock.now(),
    )
