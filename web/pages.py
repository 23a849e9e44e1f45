"""HTML pages: log in and out, the password, the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from web.i18n import LANGUAGES
from web.security import context, end_session, local_path, login_required, start_session
from workflows.domain.errors import AuthenticationError, FieldErrors
from workflows.domain.permissions import ASSESS, CLAIM_ORDERS, DESIGN, OVERRIDE, SEE_CASES
from workflows.services import accounts as auth
from workflows.services import residents

bp = Blueprint("pages", __name__)


def _home() -> str:
    """Where a person starts: residents on their reports, designers who work no cases on
    the processes, supervisors and the command centre (who may override) on the
    dashboard, others in their inbox."""
    actor, permissions = g.get("actor"), context().permissions
    if residents.is_resident(actor):
        return url_for("residents.mine")
    if actor and permissions.has(actor, DESIGN) and not permissions.has(actor, SEE_CASES):
        return url_for("design.processes")
    if actor and permissions.has(actor, CLAIM_ORDERS) and not permissions.has(actor, SEE_CASES):
        return url_for("orders.pool")  # party-member volunteers: the order pool
    if actor and permissions.has(actor, OVERRIDE) and permissions.has(actor, ASSESS):
        return url_for("dashboard.dashboard")
    return url_for("work.inbox")


@bp.get("/")
def index():
    return redirect(_home())


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            actor = auth.authenticate(
                context(), request.form.get("username", ""), request.form.get("password", "")
            )
        except AuthenticationError as err:
            error = str(err)
        else:
            start_session(actor)
            target = request.args.get("next") or ""
            return redirect(local_path(target) or _home())
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    end_session()
    return redirect(url_for("pages.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password ends every other session of the person; this browser stays in."""
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("new_password", "") != form.get("repeat_password", ""):
                raise FieldErrors({"repeat_password": [_("the two new passwords differ")]})
            actor = auth.change_password(
                context(), g.actor, form.get("current_password", ""), form.get("new_password", "")
            )
        except FieldErrors as err:
            errors = err.fields
        else:
            start_session(actor)
            flash(_("Password changed; you were signed out everywhere else."))
            return redirect(_home())
    return render_template("password.html", errors=errors), (400 if errors else 200)


@bp.post("/lang/<code>")
def language(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    target = request.form.get("next") or ""
    return redirect(local_path(target) or url_for("work.inbox"))
