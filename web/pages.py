"""HTML pages: log in and out, the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from web.i18n import LANGUAGES
from web.security import context
from workflows.domain.errors import AuthenticationError
from workflows.services import accounts as auth

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return redirect(url_for("work.inbox"))


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
            lang = session.get("lang")
            session.clear()
            session["username"] = actor.username
            if lang:
                session["lang"] = lang
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") else url_for("work.inbox"))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("pages.login"))


@bp.post("/lang/<code>")
def language(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/") else url_for("work.inbox"))
