"""Pages of the key-person register (重点人员) and its care visits; the rules are in
``services/key_persons.py`` and ``services/care_visits.py``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.exports import download
from web.form_widgets import fields_for, read_form, uploads
from web.request_body import files
from web.security import context, login_required
from workflows.domain.errors import FieldErrors
from workflows.services import care_visits, key_person_sheets, key_persons
from workflows.services.key_persons import PersonDraft

bp = Blueprint("people", __name__)
GUARDIAN_ROWS = 2


def _keeper() -> None:
    if not key_persons.may_keep(context(), g.actor):
        abort(404)


@bp.get("/people")
@login_required
def register():
    _keeper()
    ctx, args = context(), request.args
    page = max(args.get("page", 1, type=int), 1)
    listing = key_persons.find(
        ctx,
        g.actor,
        grid=args.get("grid") or None,
        category=args.get("category") or None,
        overdue=args.get("overdue") == "1",
        search=args.get("q") or None,
        removed=args.get("removed") == "1",
        limit=50,
        offset=(page - 1) * 50,
    )
    return render_template(
        "people.html",
        listing=listing,
        page=page,
        grids=[ctx.directory.get(k) for k in key_persons.grids_of(ctx, g.actor)],
        visits=care_visits.recent_counts(ctx, g.actor),
        rules=ctx.catalog.key_persons,
    )


def _draft(editing: bool = False) -> PersonDraft:
    """The posted person; in a change, masked fields left empty keep their values."""
    form = request.form
    guardians: list[dict[str, str]] | None = [
        {
            "name": form.get(f"guardian_name_{i}", ""),
            "relation": form.get(f"guardian_relation_{i}", ""),
            "phone": form.get(f"guardian_phone_{i}", ""),
        }
        for i in range(GUARDIAN_ROWS)
    ]
    cleared = form.getlist("clear")
    if editing and not any(gd["name"] for gd in guardians or ()) and "guardians" not in cleared:
        guardians = None

    def masked(name: str) -> str | None:
        value = form.get(name, "")
        return None if editing and not value.strip() and name not in cleared else value

    return PersonDraft(
        grid=form.get("grid", ""),
        name=form.get("name", ""),
        id_number=masked("id_number"),
        phone=masked("phone"),
        address=form.get("address", ""),
        categories=form.getlist("categories"),
        risk_level=form.get("risk_level", ""),
        guardians=guardians,
        notes=form.get("notes", ""),
        device_id=form.get("device_id", ""),
    )


def _edit_page(person=None, errors=None, status=200, draft=None):
    ctx = context()
    return render_template(
        "person_edit.html",
        person=person,
        draft=draft,
        errors=errors or {},
        grids=[ctx.directory.get(k) for k in key_persons.grids_of(ctx, g.actor)],
        rules=ctx.catalog.key_persons,
        guardian_rows=GUARDIAN_ROWS,
    ), status


@bp.route("/people/new", methods=["GET", "POST"])
@login_required
def new():
    _keeper()
    if request.method == "GET":
        return _edit_page()
    draft = _draft()
    try:
        person = key_persons.register(context(), g.actor, draft)
    except FieldErrors as err:
        return _edit_page(errors=err.fields, status=400, draft=draft)
    flash(_("Added to the register; the first visit is planned."))
    return redirect(url_for("people.person", person_id=person.id))


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit(person_id: int):
    _keeper()
    ctx = context()
    detail = key_persons.get(ctx, g.actor, person_id)
    if request.method == "GET":
        return _edit_page(detail.person)
    draft = _draft(editing=True)
    try:
        key_persons.update(ctx, g.actor, person_id, draft)
    except FieldErrors as err:
        return _edit_page(detail.person, err.fields, 400, draft)
    flash(_("Saved."))
    return redirect(url_for("people.person", person_id=person_id))


@bp.get("/people/<int:person_id>")
@login_required
def person(person_id: int):
    _keeper()
    return _person_page(person_id)


def _person_page(person_id: int, shown=None, errors=None, status=200):
    ctx = context()
    detail = key_persons.get(ctx, g.actor, person_id)
    return render_template(
        "person.html",
        detail=detail,
        person=shown or detail.person,
        errors=errors or {},
        rules=ctx.catalog.key_persons,
    ), status


@bp.post("/people/<int:person_id>/open")
@login_required
def open_fields(person_id: int):
    """Show the masked fields once, on this response; the opening is journaled."""
    _keeper()
    try:
        shown = key_persons.disclose(
            context(),
            g.actor,
            person_id,
            request.form.getlist("field"),
            request.form.get("reason", ""),
        )
    except FieldErrors as err:
        return _person_page(person_id, errors=err.fields, status=400)
    return _person_page(person_id, shown=shown)


@bp.post("/people/<int:person_id>/remove")
@login_required
def remove(person_id: int):
    _keeper()
    try:
        key_persons.remove(context(), g.actor, person_id, request.form.get("reason", ""))
    except FieldErrors as err:
        return _person_page(person_id, errors=err.fields, status=400)
    flash(_("Taken off the register; visits stop."))
    return redirect(url_for("people.register"))


@bp.route("/people/import", methods=["GET", "POST"])
@login_required
def import_sheet():
    _keeper()
    report, errors, status = None, {}, 200
    if request.method == "POST":
        sent = [f for f in uploads("file") if f.file_name]
        try:
            if not sent:
                raise FieldErrors({"file": [_("Choose a file.")]})
            data = sent[0].stream.read(key_person_sheets.MAX_IMPORT_BYTES + 1)
            report = key_person_sheets.import_sheet(context(), g.actor, data, sent[0].file_name)
        except FieldErrors as err:
            errors, status = err.fields, 400
    return render_template(
        "people_import.html", report=report, errors=errors, columns=key_person_sheets.COLUMNS
    ), status


@bp.get("/people/export.<kind>")
@login_required
def export(kind: str):
    _keeper()
    if kind not in ("csv", "xlsx"):
        abort(404)
    heading, *rows = key_person_sheets.export_rows(context(), g.actor)
    return download(heading, rows, "key-persons", kind)


@bp.get("/people/openings")
@login_required
def openings():
    """Who opened which masked field of whom, when and why."""
    _keeper()
    return render_template("people_openings.html", rows=key_persons.disclosures(context(), g.actor))


@bp.route("/care/<task_id>", methods=["GET", "POST"])
@login_required
def visit(task_id: str):
    """A care visit's form (or the press of a missed one)."""
    ctx = context()
    form = care_visits.open_task(ctx, g.actor, task_id)
    schema = form.schema or {"properties": {}}
    values: dict = {"risk_level": form.person.risk_level, "problem": "none"}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = read_form(schema, request.form, ctx.calendar.timezone)
        try:
            care_visits.complete(ctx, g.actor, task_id, values, photos=files())
        except FieldErrors as err:
            errors, status = err.fields, 400
        else:
            flash(_("Visit recorded; the next one is planned."))
            return redirect(url_for("work.inbox"))
    return render_template(
        "care_visit.html",
        form=form,
        fields=fields_for(schema, values, errors, ctx.catalog, ctx.directory),
        errors=errors,
        rules=ctx.catalog.key_persons,
    ), status
