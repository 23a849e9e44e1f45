"""HTML pages: log in, log out, the inbox. The full UI is a later issue."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from web.security import context, login_required
from workflows import auth, cases
from workflows.errors import AuthenticationError
from workflows.repositories import InboxFilter

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return redirect(url_for("pages.inbox"))


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
            session.clear()
            session["username"] = actor.username
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") else url_for("pages.inbox"))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("pages.login"))


@bp.get("/inbox")
@login_required
def inbox():
    page = cases.inbox(
        context(),
        g.actor,
        InboxFilter(search=request.args.get("q") or None),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "inbox.html",
        page=page,
        actor=g.actor,
        catalog=context().catalog,
        directory=context().directory,
    )
