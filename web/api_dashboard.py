"""/api/v1/dashboard: everything the dashboard (总览) shows for a unit and period, names in
the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from marshmallow import EXCLUDE, Schema, fields

from web.i18n import tr
from web.security import context, login_required
from workflows.services import dashboard
from workflows.services.context import GridcaseContext

bp = Blueprint("api_dashboard", __name__, url_prefix="/api/v1/dashboard")


class DashboardQuerySchema(Schema):
    """``from`` and ``to`` are local days (YYYY-MM-DD), both included; none: the current
    month to date. ``unit`` none: the widest unit the caller assesses."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)
    unit = fields.String(load_default=None)
    rank = fields.String(load_default="reported")


def request_from(args: Any) -> dashboard.DashboardRequest:
    """The dashboard request in query parameters (also the page's).

    Raises: marshmallow.ValidationError naming the parameter (a date that is not one).
    """
    found = DashboardQuerySchema().load(args)
    found["unit"] = found["unit"] or None
    found["rank"] = found["rank"] or "reported"
    return dashboard.DashboardRequest(**found)


def unit_name(ctx: GridcaseContext, key: str) -> str:
    return tr(ctx.directory.get(key)) if key in ctx.directory else key


def category_name(ctx: GridcaseContext, code: str) -> str:
    found = ctx.catalog.categories.get(code)
    return tr(found) if found else code


def dashboard_json(ctx: GridcaseContext, view: dashboard.Dashboard) -> dict[str, Any]:
    def name(by: str, key: str) -> str:
        return category_name(ctx, key) if by == "category" else unit_name(ctx, key)

    return {
        "period": {"from": view.period.start.isoformat(), "to": view.period.end.isoformat()},
        "previous": {
            "from": view.previous.start.isoformat(),
            "to": view.previous.end.isoformat(),
        },
        "unit": {"key": view.unit.key, "name": tr(view.unit), "level": view.unit.level},
        "rank": view.rank,
        "kpis": [
            {
                "name": k.spec.name,
                "kind": k.spec.kind,
                "measure": k.spec.measure,
                "better": k.spec.better,
                "value": k.value,
                "previous": k.previous,
                "change": k.change,
                "trend": k.trend,
                "good": k.good,
                "numerator": k.numerator,
                "denominator": k.denominator,
            }
            for k in view.kpis
        ],
        "overdue_now": view.overdue_now,
        "rankings": [
            {
                "by": r.by,
                "size": r.size,
                "rows": [
                    {"rank": row.rank, "key": row.key, "name": name(r.by, row.key)}
                    | row.counts
                    | row.rates
                    for row in r.rows
                ],
            }
            for r in view.rankings
        ],
        "daily": [
            {"day": d.day.isoformat(), "reported": d.reported, "registered": d.registered}
            for d in view.daily
        ],
        "categories": [
            {"key": c.key, "name": name("category", c.key)} | c.counts for c in view.categories
        ],
    }


@bp.get("")
@login_required
def overview():
    ctx = context()
    return dashboard_json(ctx, dashboard.overview(ctx, g.actor, request_from(request.args)))
