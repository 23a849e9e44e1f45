"""/api/v1/indicators: indicator tables and the cases behind each number."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.api_schemas import (
    CareVisitCountSchema,
    CaseSummarySchema,
    IndicatorCasesQuerySchema,
    IndicatorQuerySchema,
    OrderCountSchema,
    indicator_table,
)
from web.exports import download, indicator_rows
from web.security import context, login_required
from workflows.services import care_visits, indicators, service_records

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


@bp.get("/care-visits")
@login_required
def care_visit_counts():
    """Care visits of the key-person register per grid (counts only) for those who keep the
    register or assess: due in the period so far, done, on time, missed, overdue now."""
    ctx = context()
    args = IndicatorQuerySchema().load(request.args)
    period, rows = care_visits.visit_indicators(
        ctx, g.actor, args["start"], args["end"], args["unit"]
    )
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "grids": CareVisitCountSchema(many=True).dump(rows),
    }


@bp.get("/orders")
@login_required
def order_counts():
    """Volunteer orders per posting community (or street) for those who see service
    records or assess: posted in the period, filled, escalated, served, hours served."""
    args = IndicatorQuerySchema().load(request.args)
    period, rows = service_records.order_indicators(
        context(), g.actor, args["start"], args["end"], args["unit"]
    )
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "units": OrderCountSchema(many=True).dump(rows),
    }
