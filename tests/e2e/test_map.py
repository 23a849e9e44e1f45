"""The map's data over the API on both databases: grid polygons with the density of matching
cases, case points (at the grid's centre when a case has no coordinates), one case's point;
only what the caller may see, filtered exactly like the case query. And the demo district's
boundaries: grids tile their community, communities their street, streets the district."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from tests.app_fixtures import Api

GRID1, GRID2, WEST_GRID = "339901001001001", "339901001001002", "339901002001001"
COMMUNITY1, STREET1, DISTRICT = "339901001001000", "339901001000000", "339901000000000"
DEMO_ORG = Path(__file__).resolve().parents[2] / "workflows" / "demo" / "demo_org.yaml"
INSIDE_GRID1 = (30.2703, 120.1504)  # lat, lon


def _get(api: Api, user: str, path: str, **query: str) -> dict[str, Any]:
    resp = api.get(user, path, query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _grids(api: Api, user: str, **query: str) -> dict[str, dict[str, Any]]:
    """Grid key → properties (only the grid level)."""
    found = _get(api, user, "/api/v1/map/grids", **query)
    assert found["type"] == "FeatureCollection"
    return {
        f["id"]: f["properties"] for f in found["features"] if f["properties"]["level"] == "grid"
    }


def _levels(api: Api, user: str, **query: str) -> dict[str, str]:
    found = _get(api, user, "/api/v1/map/grids", **query)
    return {f["id"]: f["properties"]["level"] for f in found["features"]}


def _points(api: Api, user: str, **query: str) -> dict[str, dict[str, Any]]:
    found = _get(api, user, "/api/v1/map/cases", **query)
    return {f["id"]: f for f in found["features"]}


def _listed(api: Api, user: str, **query: str) -> set[str]:
    found = _get(api, user, "/api/v1/cases", per_page="200", **query)
    return {c["number"] for c in found["cases"]}


def _report(api: Api, user: str, grid: str, **fields: Any) -> str:
    return api.report(user, grid=grid, **fields)["case"]["number"]


def test_density_points_and_who_sees_what(api: Api) -> None:
    lat, lon = INSIDE_GRID1
    a = _report(api, "gw01", GRID1, lat=lat, lon=lon, description="东湖路垃圾堆放")
    b = _report(api, "gw02", GRID2, description="油烟直排")
    c = _report(api, "gw07", WEST_GRID, description="西山路占道")
    d = _report(api, "gw01", GRID1, description="井盖缺失")

    # A district supervisor: every grid of the district, with its polygon and its count.
    grids = _grids(api, "sup01")
    assert len(grids) == 12
    assert {k: p["cases"] for k, p in grids.items() if p["cases"]} == {
        GRID1: 2,
        GRID2: 1,
        WEST_GRID: 1,
    }
    features = _get(api, "sup01", "/api/v1/map/grids")["features"]
    assert all(f["geometry"]["type"] == "Polygon" for f in features)
    outlines = {f["id"]: f["properties"] for f in features if f["properties"]["level"] != "grid"}
    assert outlines[DISTRICT]["cases"] == 4 and outlines[STREET1]["cases"] == 3
    assert outlines[COMMUNITY1]["cases"] == 3
    assert grids[GRID1]["name_zh"] == "东湖社区第一网格" and grids[GRID1]["parent"] == COMMUNITY1

    points = _points(api, "sup01")
    assert set(points) == {a, b, c, d}
    assert points[a]["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    assert points[a]["properties"]["approximate"] is False
    centre = api.ctx.directory.get(GRID2)
    assert points[b]["geometry"]["coordinates"] == [centre.lon, centre.lat]
    assert points[b]["properties"] | {"title": None} == {
        "number": b,
        "title": None,
        "status": "reported",
        "category": "02",
        "alert_level": "normal",
        "overdue": False,
        "grid": GRID2,
        "approximate": True,
    }
    whole = _get(api, "sup01", "/api/v1/map/cases")
    assert (whole["total"], whole["unplaced"], whole["truncated"]) == (4, 0, False)

    # A grid worker: their grid (no outline above it: it would frame nothing), its cases.
    assert _levels(api, "gw01") == {GRID1: "grid"}
    assert set(_points(api, "gw01")) == {a, d}
    # A street dispatcher: the six grids of the street and their cases, not the other street's.
    street = _grids(api, "sd01")
    assert len(street) == 6 and WEST_GRID not in street
    assert sorted(set(_levels(api, "sd01").values())) == ["community", "grid", "street"]
    assert set(_points(api, "sd01")) == {a, b, d}
    # A designer holds no case role: nothing at all.
    assert _get(api, "designer", "/api/v1/map/grids")["features"] == []
    assert _points(api, "designer") == {}

    # A department handler sees the grid of a case dispatched to them, and that case only.
    assert _grids(api, "dh-cg") == {} and _points(api, "dh-cg") == {}
    api.step(a, "review", "cd01", {"decision": "accept"})
    api.step(a, "dispatch", "cd01", {"department": "dept-cg"})
    assert set(_grids(api, "dh-cg")) == {GRID1} and set(_points(api, "dh-cg")) == {a}
    assert _grids(api, "dh-cg")[GRID1]["cases"] == 1


def test_filters_are_the_case_querys(api: Api) -> None:
    a = _report(api, "gw01", GRID1, description="东湖路垃圾堆放")
    b = _report(api, "gw02", GRID2, category="08", description="油烟直排")
    c = _report(api, "gw07", WEST_GRID, description="西山路占道")
    api.step(b, "review", "cd01", {"decision": "reject", "reason": "非本社区"})
    with api.ctx.uow() as uow:  # as the overdue timer leaves it
        late = uow.cases.by_number(c)
        late.deadline = api.ctx.clock.now() - timedelta(hours=1)
        late.alert_level = "red"
        uow.commit()

    queries: list[dict[str, str]] = [
        {},
        {"unit": COMMUNITY1},
        {"unit": STREET1, "status": "reported"},
        {"category": "08"},
        {"status": "rejected,reported", "q": "路"},
        {"reporter": "gw07"},
        {"overdue": "1"},
        {"mine": "1"},
    ]
    for query in queries:
        listed = _listed(api, "sup01", **query)
        assert set(_points(api, "sup01", **query)) == listed, query
        counted = sum(p["cases"] for p in _grids(api, "sup01", **query).values())
        assert counted == len(listed), query
    assert _listed(api, "sup01", overdue="1") == {c}
    assert _points(api, "sup01", overdue="1")[c]["properties"]["overdue"] is True
    assert _grids(api, "sup01")[WEST_GRID]["overdue"] == 1
    assert set(_points(api, "gw02", mine="1")) == {b}

    # An area narrows the polygons too: a community shows its three grids and itself.
    levels = _levels(api, "sup01", unit=COMMUNITY1)
    assert sorted(levels.values()) == ["community", "grid", "grid", "grid"]
    assert _grids(api, "sup01", unit=COMMUNITY1)[GRID1]["cases"] == 1
    assert set(_points(api, "sup01", unit=GRID1)) == {a}

    for path in ("/api/v1/map/grids", "/api/v1/map/cases"):
        bad = api.get("sup01", path, query_string={"status": "lost", "unit": "x"})
        assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"status", "unit"}
        malformed = api.get("sup01", path, query_string={"reported_from": "yesterday"})
        assert malformed.status_code == 400
        assert api.client.get(path).status_code == 401


def test_a_cases_point_and_grid(api: Api) -> None:
    lat, lon = INSIDE_GRID1
    a = _report(api, "gw01", GRID1, lat=lat, lon=lon, address="东湖路12号")
    b = _report(api, "gw02", GRID2)

    place = _get(api, "gw01", f"/api/v1/map/cases/{a}")["features"]
    grid, point = place
    assert grid["id"] == GRID1 and grid["geometry"]["type"] == "Polygon"
    assert point["geometry"]["coordinates"] == [lon, lat]
    assert point["properties"]["approximate"] is False
    second = _get(api, "cd01", f"/api/v1/map/cases/{b}")["features"]
    assert second[1]["properties"]["approximate"] is True

    assert api.get("gw07", f"/api/v1/map/cases/{a}").status_code == 403
    assert api.get("designer", f"/api/v1/map/cases/{a}").status_code == 403
    assert api.get("sup01", "/api/v1/map/cases/NOPE").status_code == 404


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Ray casting; ``point`` and the ring's positions are (lon, lat)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _area(ring: list[list[float]]) -> float:
    """Twice the area (shoelace), about the first position for precision."""
    x0, y0 = ring[0]
    moved = [(x - x0, y - y0) for x, y in ring]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(moved)))


def test_demo_boundaries_nest() -> None:
    """Every unit below the city has a closed polygon; each grid holds its centre; the
    children's areas add up to their parent's, and no child's vertex lies outside it."""
    raw = yaml.safe_load(DEMO_ORG.read_text(encoding="utf-8"))

    def check(unit: dict[str, Any]) -> int:
        kids = unit.get("children", [])
        if unit["level"] != "city":
            ring = unit["boundary"]["coordinates"][0]
            assert unit["boundary"]["type"] == "Polygon" and ring[0] == ring[-1], unit["key"]
            if unit["level"] == "grid":
                centre = (unit["centre"]["lon"], unit["centre"]["lat"])
                assert _inside(centre, ring), unit["key"]
            if kids:
                total = sum(_area(k["boundary"]["coordinates"][0]) for k in kids)
                assert abs(total - _area(ring)) < 1e-9, unit["key"]
                for kid in kids:
                    shared = {tuple(p) for p in ring}
                    for p in kid["boundary"]["coordinates"][0]:
                        assert tuple(p) in shared or _inside(tuple(p), ring), (kid["key"], p)
        return 1 + sum(check(k) for k in kids)

    assert check(raw["units"]) == 20
