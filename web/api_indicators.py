"""/api/v1/indicators: indicator tables and the cases behind each number."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.api_schemas import (
    CaseSummarySchema,
    IndicatorCasesQuerySchema,
    IndicatorQuerySchema,
    indicator_table,
)
from web.exports import download, indicator_rows
from web.security import context, login_required
from workflows.services import indicators

bp = Blueprint("api_indicators", __name__, url_prefix="/api/v1/indicators")


@bp.get("")
@login_required
def table():
    args = IndicatorQuerySchema().load(request.args)
    return indicator_table(
        indicators.table(context(), g.actor, indicators.IndicatorRequest(**args))
    )


@bp.get("/export.<any(csv, xlsx):kind>")
@login_required
def export_table(kind: str):
    args = IndicatorQuerySchema().load(request.args)
    found = indicators.table(context(), g.actor, indicators.IndicatorRequest(**args))
    headings, rows = indicator_rows(found)
    stem = f"indicators-{found.by}-{found.period.start}-{found.period.end}"
    return download(headings, rows, stem, kind)


@bp.get("/cases")
@login_required
def cases_behind():
    args = IndicatorCasesQuerySchema().load(request.args)
    asked = indicators.IndicatorRequest(args["start"], args["end"], args["by"], args["unit"])
    found = indicators.cases_behind(
        context(),
        g.actor,
        asked,
        args["measure"],
        args["key"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return {
        "cases": CaseSummarySchema(many=True).dump(found.cases),
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
    }
