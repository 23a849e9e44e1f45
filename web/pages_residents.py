"""The public pages for residents (随手拍): report from a phone, follow a report by its
tracking link and evaluate it there, sign up, and "my reports" for those signed in."""

from __future__ import annotations

from collections.abc import Mapping

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from web.form_widgets import uploads
from web.pages_work import coordinate
from web.security import context, login_required, start_session
from workflows.domain.errors import ConflictError, FieldErrors
from workflows.services import map_data, residents

bp = Blueprint("residents", __name__)


@bp.route("/r", methods=["GET", "POST"])
def report():
    ctx = context()
    errors: dict = {}
    values: Mapping[str, str] = request.form
    if request.method == "POST":
        resident = g.actor if residents.is_resident(g.actor) else None
        try:
            sent = residents.Report(
                category=values.get("category", ""),
                description=values.get("description", "").strip(),
                lat=coordinate(values.get("lat")),
                lon=coordinate(values.get("lon")),
                address=values.get("address", "").strip(),
                phone=values.get("phone", ""),
                name=values.get("name", ""),
            )
            token = residents.report(ctx, resident, sent, uploads("photos"))
        except FieldErrors as err:
            errors = {("location" if k == "lat" else k): v for k, v in err.fields.items()}
        else:
            flash(_("Thank you: your report is in. Keep this page's address to follow it."))
            return redirect(url_for("residents.track", token=token, new=1))
    return render_template(
        "resident_report.html",
        errors=errors,
        values=values,
        grids=map_data.grid_outlines(ctx),
    ), (400 if errors else 200)


@bp.get("/t/<token>")
def track(token: str):
    shown = residents.tracking(context(), token)
    return render_template("resident_track.html", t=shown, errors={}, values={})


@bp.post("/t/<token>/evaluate")
def evaluate(token: str):
    ctx = context()
    answers = {
        "satisfaction": request.form.get("satisfaction", ""),
        "comment": request.form.get("comment", "").strip(),
    }
    if not answers["comment"]:
        del answers["comment"]
    try:
        residents.evaluate(ctx, token, answers)
    except FieldErrors as err:
        shown = residents.tracking(ctx, token)
        page = render_template("resident_track.html", t=shown, errors=err.fields, values=answers)
        return page, 400
    except ConflictError:
        flash(_("This report cannot be evaluated now."), "error")
    else:
        flash(_("Thank you for your evaluation."))
    return redirect(url_for("residents.track", token=token))


@bp.get("/t/<token>/photos/<int:attachment_id>")
def photo(token: str, attachment_id: int):
    row, path = residents.photo(context(), token, attachment_id)
    return send_file(path, mimetype=row.content_type, download_name=row.file_name)


@bp.route("/r/sign-up", methods=["GET", "POST"])
def sign_up():
    errors: dict = {}
    values: Mapping[str, str] = request.form
    if request.method == "POST":
        try:
            actor = residents.sign_up(
                context(),
                values.get("phone", ""),
                values.get("name", ""),
                values.get("password", ""),
            )
        except FieldErrors as err:
            errors = err.fields
        else:
            start_session(actor)
            flash(_("Your account is ready: your reports from now on are listed here."))
            return redirect(url_for("residents.mine"))
    return render_template("resident_sign_up.html", errors=errors, values=values), (
        400 if errors else 200
    )


@bp.get("/r/mine")
@login_required
def mine():
    if not residents.is_resident(g.actor):
        abort(404)
    found = residents.my_reports(context(), g.actor)
    return render_template("resident_mine.html", reports=found)
