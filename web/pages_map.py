"""The map (地图): cases as points and density over the grid polygons, filtered like the case
query; the page draws what ``/api/v1/map`` returns (``static/map.js``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from marshmallow import ValidationError

from web.api_map import map_query
from web.errors import flatten
from web.security import context, login_required
from workflows.domain.errors import FieldErrors
from workflows.services import map_data

bp = Blueprint("map", __name__)


@bp.app_context_processor
def map_settings() -> dict[str, Any]:
    """The tile server for every page that draws a map (this one and the case page)."""
    settings = context().settings
    return {"map_tiles": settings.map_tiles or "", "map_attribution": settings.map_attribution}


@bp.get("/map")
@login_required
def map_page():
    ctx = context()
    errors: dict[str, list[str]] = {}
    found = None
    try:
        found = map_data.summary(ctx, g.actor, map_query())
    except ValidationError as err:
        errors = flatten(err.messages)
    except FieldErrors as err:
        errors = err.fields
    areas = [u for u in ctx.directory.all() if not u.is_department and u.level != "city"]
    departments = [u for u in ctx.directory.all() if u.is_department]
    query = {k: v for k, v in request.args.items() if v and k not in ("page", "per_page")}
    return render_template(
        "map.html",
        found=found,
        errors=errors,
        areas=areas,
        departments=departments,
        query=query,
    ), (400 if errors else 200)
