"""Designers' pages: processes with versions and running instances, a version's diagram,
upload → validation report on the diagram → deploy."""

from __future__ import annotations

import json
from dataclasses import asdict

from flask import Blueprint, flash, g, render_template, request, url_for
from flask_babel import gettext as _

from web.i18n import tr
from web.labels import MILESTONE_NAMES, STATUS, TIMER_NAMES
from web.security import context, login_required
from workflows.domain.bpmn_contract import MILESTONES, TIMER_KINDS
from workflows.domain.errors import BpmnProblem, BpmnValidationError
from workflows.services import process_migration, processes
from workflows.services.context import GridcaseContext

bp = Blueprint("design", __name__, url_prefix="/processes")


def _designer() -> None:
    processes.require_designer(context(), g.actor)


@bp.get("", endpoint="processes")
@login_required
def processes_page():
    _designer()
    return render_template("processes.html", summaries=processes.list_processes(context()))


@bp.get("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    _designer()
    src = url_for("design.version_json", version_id=version_id)
    return render_template("process_version.html", version_id=version_id, src=src)


@bp.get("/versions/<int:version_id>.json")
@login_required
def version_json(version_id: int):
    _designer()
    file_name, xml = processes.version_source(context(), version_id)
    return {"xml": xml, "file_name": file_name}


@bp.get("/versions/<int:version_id>/edit")
@login_required
def edit(version_id: int):
    """The bpmn-js modeler on a version; saving checks (and deploys) via the API."""
    _designer()
    return render_template(
        "process_edit.html",
        version_id=version_id,
        src=url_for("design.version_json", version_id=version_id),
        choices=_property_choices(context()),
    )


def _property_choices(ctx: GridcaseContext) -> dict[str, dict[str, str]]:
    """The values the properties panel's selects offer, by property, each with its name in
    the page's language: the contract's milestones and timer kinds, the catalog's lanes
    and events, the case statuses."""
    roles = ctx.catalog.roles
    return {
        "status": {k: str(v) for k, v in STATUS.items()},
        "lane": {
            n: tr(roles[lane.role]) if lane.role in roles else ""
            for n, lane in ctx.catalog.lanes.items()
        },
        "emit": {kind: tr(event, "title") for kind, event in ctx.catalog.events.items()},
        "milestone": {m: str(MILESTONE_NAMES.get(m, "")) for m in sorted(MILESTONES)},
        "timer": {t: str(TIMER_NAMES.get(t, "")) for t in sorted(TIMER_KINDS)},
    }


@bp.post("/upload")
@login_required
def upload():
    """Check (and with ``deploy=1`` deploy) an uploaded file; problems are drawn on it."""
    upload = request.files.get("bpmn")
    name = (upload.filename or "") if upload else ""
    xml = upload.read() if upload else b""
    deploy_it = request.form.get("deploy") == "1"
    problems: list[BpmnProblem] = []
    result = None
    try:
        if not xml:
            raise BpmnValidationError([BpmnProblem(name or "—", _("choose a .bpmn file"))])
        forms = _forms()
        result = processes.upload(context(), g.actor, name, xml, forms, deploy_it=deploy_it)
    except BpmnValidationError as err:
        problems = list(err.problems)
    if result and result.deployed:
        v = result.deployed.version
        if result.deployed.created:
            flash(_("Deployed %(process)s version %(n)s", process=v.process_id, n=v.version))
        else:
            flash(_("Unchanged: same as version %(n)s", n=v.version))
    elif result:
        flash(_("%(file)s is valid", file=name))
    diagram = {"xml": xml.decode("utf-8", "replace"), "errors": [asdict(p) for p in problems]}
    return render_template(
        "process_check.html",
        file_name=name,
        problems=problems,
        result=result,
        diagram=diagram,
        summaries=processes.list_processes(context()),
    ), (422 if problems else 200)


@bp.route("/versions/<int:version_id>/migrate", methods=["GET", "POST"])
@login_required
def migrate(version_id: int):
    """Preview moving open instances of older versions here; POST moves the ticked ones."""
    ctx = context()
    results = None
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("instance") if i.isdigit()]
        results = process_migration.migrate(ctx, g.actor, version_id, ids)
        moved = sum(r.ok for r in results)
        flash(_("%(done)s of %(total)s instances moved", done=moved, total=len(results)))
    plan = process_migration.plan(ctx, g.actor, version_id)
    return render_template("process_migrate.html", plan=plan, results=results)


def _forms() -> dict:
    forms = {}
    for f in request.files.getlist("forms"):
        if not f.filename:
            continue
        try:
            forms[f.filename] = json.loads(f.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BpmnValidationError(
                [BpmnProblem(f.filename, _("not valid JSON: %(e)s", e=str(err)))]
            ) from err
    return forms
