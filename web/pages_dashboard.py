"""The command centre's dashboard (总览): KPI tiles, rankings, volume charts."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.security import login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("error.html", status=501, text="…", message="")
