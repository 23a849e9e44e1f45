"""Reports (报表): the monthly analysis report (a printable page and its PDF) and the grid
workers' reward statements (a page and its CSV / Excel download). Who may see them is the
indicators' rule (capability ``assess`` over the unit), checked by the use cases."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _

from web.exports import download
from web.i18n import is_english, tr
from web.report_pdf import FILTERS, monthly_charts, monthly_pdf, pdf_file_name
from web.security import context, login_required
from workflows.domain.errors import FieldErrors
from workflows.domain.indicators import CASE_COUNTS, MARK_COUNTS, RATES, WORKER_COUNTS
from workflows.services import monthly_report, reward_statements
from workflows.services.monthly_report import Standing

bp = Blueprint("reports", __name__, url_prefix="/reports")
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

LABELS = {m.name: (m.zh, m.en) for m in (*CASE_COUNTS, *MARK_COUNTS, *WORKER_COUNTS, *RATES)}
REWARD_HEADINGS = (
    "网格员",
    "用户名",
    "案件编号",
    "上报时间",
    "类别",
    "标题",
    "紧急程度",
    "重大隐患",
    "金额（元）",
)


def label(name: str) -> str:
    """A count's or a rate's name (as ``domain/indicators.py`` defines it), in the reader's
    language."""
    zh, en = LABELS.get(name, (name, name))
    return en if is_english() else zh


def _row_name(kind: str, standing: Standing) -> str:
    """A row's name in the reader's language (rows carry the Chinese name)."""
    ctx = context()
    if kind == "category" and standing.key in ctx.catalog.categories:
        return tr(ctx.catalog.categories[standing.key])
    if kind != "grid_worker" and standing.key in ctx.directory:
        return tr(ctx.directory.get(standing.key))
    return standing.name


def _asked() -> tuple[str | None, str | None]:
    return request.args.get("unit") or None, request.args.get("month") or None


def _page(template: str, found: Any, errors: dict, **extra: Any) -> tuple[str, int]:
    ctx = context()
    unit, month = _asked()
    return render_template(
        template,
        found=found,
        errors=errors,
        units=monthly_report.report_units(ctx, g.actor),
        chosen_unit=found.unit.key if found else unit,
        chosen_month=found.month.label if found else (month or ""),
        label=label,
        row_name=_row_name,
        **extra,
    ), (400 if errors else 200)


@bp.get("/monthly")
@login_required
def monthly():
    """The monthly analysis report of a unit (``unit``, ``month=YYYY-MM``), printable."""
    ctx = context()
    unit, month = _asked()
    try:
        report = monthly_report.monthly_report(ctx, g.actor, unit, month)
    except FieldErrors as err:
        return _page("report_monthly.html", None, err.fields, charts={})
    charts = monthly_charts(
        report,
        this_label=_("This month"),
        last_label=_("Last month"),
        name=_row_name,
        rate_name=lambda figure: tr(figure),
    )
    return _page("report_monthly.html", report, {}, charts=charts)


@bp.get("/monthly.pdf")
@login_required
def monthly_pdf_download():
    """The same report as a PDF (in Chinese) to download."""
    ctx = context()
    unit, month = _asked()
    report = monthly_report.monthly_report(ctx, g.actor, unit, month)
    return Response(
        monthly_pdf(report, ctx.calendar.timezone),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={pdf_file_name(report)}"},
    )


@bp.get("/rewards")
@login_required
def rewards():
    """The month's reward statement of every grid worker of a unit."""
    ctx = context()
    unit, month = _asked()
    try:
        found = reward_statements.statement(ctx, g.actor, unit, month)
    except FieldErrors as err:
        return _page("report_rewards.html", None, err.fields)
    return _page("report_rewards.html", found, {})


@bp.get("/rewards.<any(csv, xlsx):kind>")
@login_required
def rewards_export(kind: str):
    """The statement as CSV or Excel: one line per valid report, a subtotal per grid worker
    and the total."""
    ctx = context()
    unit, month = _asked()
    found = reward_statements.statement(ctx, g.actor, unit, month)
    zone = ctx.calendar.timezone
    priorities = ctx.catalog.priorities
    rows: list[list[Any]] = []
    for worker in found.workers:
        for line in worker.lines:
            rows.append(
                [
                    worker.name,
                    worker.username,
                    line.number,
                    line.reported_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    line.category_zh,
                    line.title,
                    priorities.get(line.priority, {}).get("name_zh", line.priority),
                    "是" if line.major else "否",
                    line.amount,
                ]
            )
        subtotal = f"小计：有效上报 {worker.valid} 件，其中重大隐患 {worker.major} 件"
        rows.append([worker.name, worker.username, subtotal, "", "", "", "", "", worker.amount])
    total = f"合计：有效上报 {found.valid} 件，其中重大隐患 {found.major} 件"
    rows.append(["合计", "", total, "", "", "", "", "", found.amount])
    stem = f"rewards-{found.unit.key}-{found.month.label}"
    return download(REWARD_HEADINGS, rows, stem, kind)
