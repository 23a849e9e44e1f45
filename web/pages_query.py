"""The case query page (案件综合查询), its downloads and the printable case sheet."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.security import login_required

bp = Blueprint("query", __name__)


@bp.get("/cases")
@login_required
def cases():
    return render_template("error.html", status=501, text="…", message="")
