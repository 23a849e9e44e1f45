"""/api/v1/map: the map's data as GeoJSON (positions [lon, lat], WGS 84): the grids with the
density of matching cases, the cases as points, one case's point. The filters are the case
query's (``GET /api/v1/cases``); only cases the caller may see count."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request

from web.api_schemas import CaseQuerySchema
from web.security import context, login_required
from workflows.services import map_data
from workflows.services.case_query import CaseQuery

bp = Blueprint("api_map", __name__, url_prefix="/api/v1/map")


def map_query() -> CaseQuery:
    """The case query's parameters from the query string (paging has no meaning here).

    Raises: ValidationError for a malformed parameter.
    """
    args = CaseQuerySchema().load(request.args)
    for paging in ("page", "per_page"):
        args.pop(paging)
    return CaseQuery(**args)


def area_feature(area: map_data.Area) -> dict[str, Any]:
    unit = area.unit
    centre = [unit.lon, unit.lat] if unit.lat is not None and unit.lon is not None else None
    return {
        "type": "Feature",
        "id": unit.key,
        "geometry": area.boundary,
        "properties": {
            "key": unit.key,
            "level": unit.level,
            "parent": unit.parent_key,
            "name_zh": unit.name_zh,
            "name_en": unit.name_en,
            "centre": centre,
            "cases": area.cases,
            "overdue": area.overdue,
            "care_overdue": area.care_overdue,
        },
    }


def point_feature(point: map_data.Point) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": point.number,
        "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
        "properties": {
            "number": point.number,
            "title": point.title,
            "status": point.status,
            "category": point.category,
            "alert_level": point.alert_level,
            "overdue": point.overdue,
            "grid": point.grid_key,
            "approximate": point.approximate,
        },
    }


@bp.get("/grids")
@login_required
def grids():
    """The grids the caller watches or has a matching case in, with ``cases`` and
    ``overdue`` counts (density), and the outlines of the units above them; for those who
    keep the key-person register or assess the grid, ``care_overdue`` counts its care visits
    past due (no person is named)."""
    found = map_data.areas(context(), g.actor, map_query())
    return {"type": "FeatureCollection", "features": [area_feature(a) for a in found]}


@bp.get("/cases")
@login_required
def cases():
    """The matching cases as points (at most 5,000, in the query's order); ``total`` counts
    them all, ``unplaced`` those without any coordinates."""
    found = map_data.points(context(), g.actor, map_query())
    return {
        "type": "FeatureCollection",
        "features": [point_feature(p) for p in found.points],
        "total": found.total,
        "unplaced": found.unplaced,
        "truncated": found.truncated,
    }


@bp.get("/cases/<number>")
@login_required
def case_place(number: str):
    """One case's point (none when neither it nor its grid has coordinates) and its grid."""
    place = map_data.case_map(context(), g.actor, number)
    features = [area_feature(place.grid)]
    if place.point is not None:
        features.append(point_feature(place.point))
    return {"type": "FeatureCollection", "features": features}
