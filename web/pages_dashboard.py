"""The command centre's dashboard (总览): KPI tiles against the previous period, rankings,
volume charts (ECharts, drawn by ``static/dashboard.js`` from ``/api/v1/dashboard``), and
the cases behind every number (``/dashboard/cases``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from web.api_dashboard import category_name, request_from, unit_name
from web.api_schemas import IndicatorCasesQuerySchema
from web.errors import flatten
from web.i18n import is_english
from web.security import context, login_required
from workflows.domain.errors import FieldErrors
from workflows.domain.indicators import CASE_COUNTS, RATES
from workflows.services import care_visits, service_records
from workflows.services import dashboard as use_case

bp = Blueprint("dashboard", __name__)


def _names() -> dict[str, str]:
    """Counts and rates by name, as the indicators call them, in the page's language."""
    english = is_english()
    found = {m.name: m.en if english else m.zh for m in (*CASE_COUNTS, *RATES)}
    found[use_case.OVERDUE_NOW] = _("Overdue now")
    found[use_case.AVERAGE_HOURS] = _("Average hours to close")
    return found


def _presets(today: date) -> list[tuple[str, date, date]]:
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return [
        (_("This month"), first, today),
        (_("Last month"), last_month_end.replace(day=1), last_month_end),
        (_("Last 7 days"), today - timedelta(days=6), today),
        (_("Last 30 days"), today - timedelta(days=29), today),
        (_("This year"), today.replace(month=1, day=1), today),
    ]


@bp.get("/dashboard")
@login_required
def dashboard():
    """The dashboard's frame: the chosen unit and period; the case figures come from the
    API, the community side's tables (care visits, volunteer orders) are drawn here."""
    ctx = context()
    choices = use_case.units(ctx, g.actor)  # ForbiddenError for those who assess nowhere
    top = min(u.path.count("/") for u in choices)
    errors: dict[str, Any] = {}
    chosen = unit = None
    asked = use_case.DashboardRequest()
    try:
        asked = request_from(request.args)
        chosen, unit = use_case.resolve(ctx, g.actor, asked)
    except ValidationError as err:
        errors = flatten(err.messages)
    except FieldErrors as err:
        errors = err.fields
    today = use_case.today(ctx)
    care, orders = [], []
    if chosen is not None and unit is not None:
        care = care_visits.visit_indicators(ctx, g.actor, chosen.start, chosen.end, unit.key)[1]
        orders = service_records.order_indicators(ctx, g.actor, chosen.start, chosen.end, unit.key)[
            1
        ]
    return render_template(
        "dashboard.html",
        care=care,
        orders=orders,
        choices=[(u, u.path.count("/") - top) for u in choices],
        chosen=chosen,
        unit=unit,
        asked=asked,
        errors=errors,
        today=today,
        presets=_presets(today),
        names=_names(),
        rank_by=use_case.RANK_BY,
    ), (400 if errors else 200)


@bp.get("/dashboard/cases")
@login_required
def cases():
    """The cases behind one number of the dashboard, exactly those it counted."""
    ctx = context()
    args = IndicatorCasesQuerySchema().load(request.args)
    asked = use_case.DashboardRequest(args["start"], args["end"], args["unit"] or None)
    chosen, unit = use_case.resolve(ctx, g.actor, asked)
    found = use_case.cases_behind(
        ctx,
        g.actor,
        asked,
        args["measure"],
        args["by"],
        args["key"] or None,
        page=args["page"],
        per_page=args["per_page"],
    )
    key = args["key"] or None
    subject = None
    if key:
        subject = category_name(ctx, key) if args["by"] == "category" else unit_name(ctx, key)
    back = url_for(
        "dashboard.dashboard",
        **{"from": chosen.start.isoformat(), "to": chosen.end.isoformat(), "unit": unit.key},
    )
    return render_template(
        "dashboard.html",
        found=found,
        measure=args["measure"],
        measure_name=_names().get(args["measure"], args["measure"]),
        live=args["measure"] == use_case.OVERDUE_NOW,
        subject=subject,
        chosen=chosen,
        unit=unit,
        back=back,
        now=ctx.clock.now(),
    )
