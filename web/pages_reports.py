"""Reports (报表): the monthly analysis and the grid workers' reward statements."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.security import login_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/monthly")
@login_required
def monthly():
    return render_template("error.html", status=501, text="…", message="")
