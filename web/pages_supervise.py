"""The supervisors' console and the overrides on a case page; handlers stay thin, every
rule lives in ``workflows.overrides``, ``workflows.deadlines`` and ``workflows.supervision``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.form_widgets import fields_for, flash_errors, parse_local_time, read_form
from web.i18n import split_title, tr
from web.labels import VARIABLES
from web.security import context, login_required, may
from workflows.domain.errors import FieldErrors, WorkflowStepError
from workflows.domain.permissions import DESIGN
from workflows.services import cases, deadlines, overrides, processes, supervision
from workflows.services.cases import CaseDetail
from workflows.services.context import GridcaseContext

bp = Blueprint("supervise", __name__)

BULK_ACTIONS = ("reassign", "deadline", "suspend", "resume", "retry")


def _filters() -> dict:
    args = request.values
    days = args.get("older_than_days", type=float)
    return {
        "unit": args.get("unit") or None,
        "level": args.get("level") or None,
        "department": args.get("department") or None,
        "category": args.get("category") or None,
        "older_than_days": days if days and days > 0 else None,
        "only": args.get("list") or None,
        "page": args.get("page", 1, type=int),
    }


def _render(results: list[overrides.BulkResult] | None = None, status: int = 200):
    ctx = context()
    view = supervision.console(ctx, g.actor, **_filters())
    return render_template(
        "console.html",
        view=view,
        results=results,
        filters={k: v for k, v in request.args.items() if k not in ("list", "page")},
        departments=[u for u in ctx.directory.all() if u.is_department],
        areas=[u for u in ctx.directory.all() if not u.is_department and u.level != "grid"],
        processes=processes.process_names(ctx),
    ), status


@bp.get("/console")
@login_required
def console():
    return _render()


@bp.post("/console/bulk")
@login_required
def bulk():
    form = request.form
    reason = form.get("reason", "")
    action = form.get("action", "")
    numbers = form.getlist("case")
    try:
        if action not in BULK_ACTIONS:
            raise FieldErrors({"action": [_("choose what to do")]})
        if not numbers:
            raise FieldErrors({"case": [_("tick at least one case")]})
        operation = _bulk_operation(action, reason)
    except FieldErrors as err:
        flash_errors(err)
        return _render(status=400)
    results = overrides.bulk(numbers, operation)
    done = sum(r.ok for r in results)
    # Green only when every case changed; a partial or failed run says so in its colour.
    tone = "message" if done == len(results) else ("warning" if done else "error")
    flash(_("%(done)s of %(total)s cases changed", done=done, total=len(results)), tone)
    return _render(results)


def _bulk_operation(action: str, reason: str) -> Callable[[str], object]:
    ctx, actor, form = context(), g.actor, request.form
    if action == "reassign":
        unit, person = form.get("unit_to") or None, form.get("person") or None
        return lambda n: overrides.reassign_case(ctx, actor, n, reason, unit=unit, person=person)
    if action == "deadline":
        due = _due(form.get("due"))
        return lambda n: overrides.change_deadline(ctx, actor, n, due, reason)
    if action == "suspend":
        return lambda n: deadlines.suspend_case(ctx, actor, n, reason)
    if action == "retry":
        return lambda n: overrides.retry(ctx, actor, n, reason)
    return lambda n: deadlines.resume_case(ctx, actor, n, reason)


def _due(raw: str | None) -> datetime:
    due = parse_local_time(raw, context().calendar.timezone)
    if due is None:
        raise FieldErrors({"due": [_("give the new deadline")]})
    return due


@bp.post("/console/jobs/<job_id>/retry")
@login_required
def retry(job_id: str):
    supervision.retry_job(context(), g.actor, job_id)
    flash(_("Job put back on the queue"))
    return redirect(url_for("supervise.console"))


@bp.get("/console/heat/<process_id>.json")
@login_required
def heat(process_id: str):
    found = supervision.heat(context(), g.actor, process_id)
    named = {e: {**h, "name": split_title(h["name"])} for e, h in found.elements.items()}
    return {"xml": found.xml, "heat": named}


def override_panel(ctx: GridcaseContext, detail: CaseDetail) -> dict | None:
    """What the case page's override panel offers; None for those who may not override."""
    if not detail.may_override:
        return None
    shortcuts = [
        (s.name, tr(s.spec), fields_for(s.asked, {}, {}, ctx.catalog, ctx.directory))
        for s in overrides.shortcuts(ctx, detail)
    ]
    done = {t.task.element_id: t.task.title for t in detail.tasks if t.task.state == "completed"}
    return {
        "shortcuts": shortcuts,
        "done_steps": done,
        "editable": _editable(ctx, detail),
    }


def _editable(ctx: GridcaseContext, detail: CaseDetail) -> list[tuple[str, str, Any, list]]:
    """The variables a supervisor edits, each as (name, label, value, choices): the ones
    that mean something to a reader, units and priorities picked from lists (designers
    see every plain variable, by its name)."""
    designer = may(DESIGN)
    units = {
        "grid": [(u.key, tr(u)) for u in ctx.directory.grids()],
        "review_unit": [
            (u.key, tr(u))
            for u in ctx.directory.all()
            if u.level in ("community", "street", "district") and not u.is_department
        ],
        "department": [(u.key, tr(u)) for u in ctx.directory.all() if u.is_department],
        "priority": [(k, tr(p)) for k, p in ctx.catalog.priorities.items()],
        "category": [(c.code, f"{c.code} {tr(c)}") for c in ctx.catalog.categories.values()],
    }
    found = []
    for name, value in overrides.editable_data(detail.data).items():
        if name in VARIABLES and not name.endswith(("_due", "_warn")):
            found.append((name, str(VARIABLES[name]), value, units.get(name, [])))
        elif designer:
            found.append((name, name, value, []))
    return found


@bp.post("/cases/<number>/override")
@login_required
def override(number: str):
    """One form per override on the case page; the result goes on the case's timeline."""
    ctx, actor, form = context(), g.actor, request.form
    action, reason = form.get("action", ""), form.get("reason", "")
    try:
        if action == "reassign":
            overrides.reassign(
                ctx,
                actor,
                form.get("task", ""),
                reason,
                unit=form.get("unit_to") or None,
                person=form.get("person") or None,
            )
        elif action == "deadline":
            overrides.change_deadline(ctx, actor, number, _due(form.get("due")), reason)
        elif action == "fire_timer":
            when = parse_local_time(form.get("due"), ctx.calendar.timezone)
            if when is None:
                overrides.fire_timer(ctx, actor, number, form.get("timer", ""), reason)
            else:
                overrides.move_timer(ctx, actor, number, form.get("timer", ""), when, reason)
        elif action == "suspend":
            deadlines.suspend_case(ctx, actor, number, reason)
        elif action == "resume":
            deadlines.resume_case(ctx, actor, number, reason)
        elif action == "shortcut":
            name = form.get("shortcut", "")
            offered = overrides.shortcuts(ctx, cases.get_case(ctx, actor, number))
            asked = next((s.asked for s in offered if s.name == name), {})
            values = read_form(asked, form, ctx.calendar.timezone)
            overrides.take_shortcut(ctx, actor, number, name, values, reason)
        elif action == "retry":
            overrides.retry(ctx, actor, number, reason)
        elif action == "rewind":
            overrides.rewind(ctx, actor, number, form.get("element", ""), reason)
        elif action == "edit_data":
            posted = {k[4:]: v for k, v in form.items() if k.startswith("var:")}
            overrides.edit_data(ctx, actor, number, posted, reason)
        elif action == "terminate":
            overrides.terminate(ctx, actor, number, reason)
        else:
            raise FieldErrors({"action": [_("unknown action")]})
    except FieldErrors as err:
        flash_errors(err)
    except WorkflowStepError as err:
        flash(_("It failed again: %(error)s", error=str(err)), "error")
    else:
        flash(_("Done; the reason is on the timeline"))
    return redirect(url_for("work.case", number=number) + "#timeline")
