"""The map (地图): cases as points and density over the grid polygons."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.security import login_required

bp = Blueprint("map", __name__)


@bp.get("/map")
@login_required
def map_page():
    return render_template("error.html", status=501, text="…", message="")
