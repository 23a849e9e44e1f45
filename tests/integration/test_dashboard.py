"""The dashboard (总览) against a hand count, on both databases: a few cases in February and
March 2030 (the test's clock), some reported just before or after local midnight, then
read over the API — the tiles against the previous period, the rankings' order, the
volume per local day and per category, the cases behind a number, and who may see what."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import literal, select

from engine.db import UTCDateTime
from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, after, fire_until_quiet, step
from workflows.adapters.dashboard_queries import local_day, offset_spans
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID2 = "339901001001002"  # same community as GRID1
WEST_GRID = "339901002001001"  # the other street
DISTRICT, STREET1, STREET2 = "339901000000000", "339901001000000", "339901002000000"
MARCH = {"from": "2030-03-01", "to": "2030-03-31"}


def _at(ctx: GridcaseContext, day: int, hour: int, minute: int = 0, month: int = 3) -> None:
    ctx.clock.advance_to(datetime(2030, month, day, hour, minute, tzinfo=SHANGHAI))


def _report(ctx: GridcaseContext, text: str, user: str = "gw01", grid: str = GRID1, **kw) -> str:
    new = cases.NewCase(kw.pop("category", "02"), text, grid=grid, **kw)
    return cases.report_case(ctx, load_actor(ctx, user), new).case.number


def _dispatch(ctx: GridcaseContext, number: str, dept: str = "dept-cg", hours: float = 48):
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    step(ctx, number, "dispatch", "cd01", {"department": dept, "deadline": after(ctx, hours=hours)})


def _close(ctx: GridcaseContext, number: str) -> None:
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    step(ctx, number, "handle", "dh-cg", {"result": "已处理"})
    step(ctx, number, "verify", "gw01", {"fixed": True})
    step(ctx, number, "evaluate", "gw01", {"satisfaction": "satisfied"})


@pytest.fixture
def months(api: Api) -> dict[str, str]:
    """February: P closed, Q reported at 23:30 on the 28th. March: A reported at 00:30 on
    the 1st (still February in UTC) and closed; B reported at 23:30 on the 10th, overdue and
    supervised; C (environment) at 00:30 on the 11th (the 10th in UTC); D in the other
    street; E rejected. The clock then stands at 20 March."""
    ctx = api.ctx
    n: dict[str, str] = {}
    _at(ctx, 20, 10, month=2)
    n["P"] = _report(ctx, "P 二月办结")
    _dispatch(ctx, n["P"])
    _close(ctx, n["P"])
    _at(ctx, 28, 23, 30, month=2)
    n["Q"] = _report(ctx, "Q 二月最后一晚")

    _at(ctx, 1, 0, 30)
    n["A"] = _report(ctx, "A 三月第一个凌晨")
    _dispatch(ctx, n["A"])
    _close(ctx, n["A"])
    _at(ctx, 10, 23, 30)
    n["B"] = _report(ctx, "B 深夜上报，超期")
    _dispatch(ctx, n["B"], hours=1)
    _at(ctx, 11, 0, 30)
    n["C"] = _report(ctx, "C 环保，次日凌晨", grid=GRID2, user="gw02", category="08")
    _dispatch(ctx, n["C"], dept="dept-hb", hours=24 * 30)  # due in April
    _at(ctx, 11, 9)
    n["D"] = _report(ctx, "D 西山街道", user="gw07", grid=WEST_GRID)
    fire_until_quiet(ctx, n["B"])  # B's deadline passed at 00:30: overdue, supervised
    _at(ctx, 12, 10)
    n["E"] = _report(ctx, "E 无效")
    step(ctx, n["E"], "review", "cd01", {"decision": "reject", "reason": "误报"})
    _at(ctx, 20, 15)
    return n


def _get(api: Api, user: str, **query: str) -> dict:
    resp = api.get(user, "/api/v1/dashboard", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _behind(api: Api, user: str, **query: str) -> list[str]:
    """The case numbers the drill-down page lists."""
    resp = api.get(user, "/dashboard/cases", query_string={"per_page": "100", **query})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return sorted(re.findall(r'data-case="([^"]+)"', resp.get_data(as_text=True)))


def _tiles_against_the_previous_period(api: Api, n: dict[str, str]) -> None:
    body = _get(api, "sup01", **MARCH)
    assert body["period"] == {"from": "2030-03-01", "to": "2030-03-31"}
    assert body["previous"] == {"from": "2030-01-29", "to": "2030-02-28"}
    assert body["unit"]["key"] == DISTRICT
    kpis = {k["name"]: k for k in body["kpis"]}
    reported = kpis["reported"]
    assert (reported["value"], reported["previous"]) == (5, 2)  # A–E; P and Q
    assert (reported["trend"], reported["good"]) == ("up", None)  # more reports: neutral
    assert (kpis["due_to_close"]["value"], kpis["due_to_close"]["previous"]) == (3, 1)
    closure = kpis["closure_rate"]
    assert (closure["value"], closure["previous"]) == (0.3333, 1.0)
    assert (closure["numerator"], closure["denominator"]) == (1, 3)
    assert (closure["trend"], closure["good"], closure["measure"]) == ("down", False, "closed")
    overdue = kpis["overdue"]
    assert (overdue["value"], overdue["previous"], overdue["good"]) == (1, 0, False)
    assert (kpis["supervised"]["value"], kpis["supervised"]["previous"]) == (1, 0)
    assert kpis["average_handling_hours"]["previous"] is not None
    assert body["overdue_now"] == 1

    # every tile leads to its cases
    assert _behind(api, "sup01", **MARCH, unit=DISTRICT, measure="reported") == sorted(
        n[x] for x in "ABCDE"
    )
    assert _behind(api, "sup01", **MARCH, unit=DISTRICT, measure="closed") == [n["A"]]
    assert _behind(api, "sup01", **MARCH, unit=DISTRICT, measure="overdue_now") == [n["B"]]
    previous = {"from": "2030-01-29", "to": "2030-02-28"}
    assert _behind(api, "sup01", **previous, unit=DISTRICT, measure="reported") == sorted(
        [n["P"], n["Q"]]
    )


def _rankings(api: Api, n: dict[str, str]) -> None:
    body = _get(api, "sup01", **MARCH)
    rankings = {r["by"]: r for r in body["rankings"]}
    assert list(rankings) == ["street", "department", "grid"]
    streets = [(r["rank"], r["key"], r["reported"]) for r in rankings["street"]["rows"]]
    assert streets == [(1, STREET1, 4), (2, STREET2, 1)]
    assert rankings["street"]["rows"][0]["name"] == "东湖街道"
    departments = [(r["rank"], r["key"], r["reported"]) for r in rankings["department"]["rows"]]
    assert departments == [(1, "dept-cg", 2), (2, "dept-hb", 1)]
    grids = rankings["grid"]
    top = [(r["rank"], r["key"], r["reported"]) for r in grids["rows"][:3]]
    assert top == [(1, GRID1, 3), (2, GRID2, 1), (2, WEST_GRID, 1)]  # a tie shares its place
    assert grids["rows"][3]["rank"] == 4 and grids["rows"][3]["reported"] == 0
    assert len(grids["rows"]) == min(10, grids["size"]) and grids["size"] > 3

    by_rate = {r["by"]: r for r in _get(api, "sup01", **MARCH, rank="closure_rate")["rankings"]}
    rows = by_rate["street"]["rows"]
    assert [(r["key"], r["rank"], r["closure_rate"]) for r in rows] == [
        (STREET1, 1, 0.3333),
        (STREET2, None, None),  # nothing due to close: no rate, last
    ]
    assert [r["key"] for r in by_rate["department"]["rows"]] == ["dept-cg", "dept-hb"]

    # a ranking row leads to its cases
    assert _behind(
        api, "sup01", **MARCH, unit=DISTRICT, by="street", key=STREET1, measure="reported"
    ) == sorted(n[x] for x in "ABCE")
    assert _behind(
        api, "sup01", **MARCH, unit=DISTRICT, by="department", key="dept-hb", measure="reported"
    ) == [n["C"]]


def _volume_by_day_and_category(api: Api, n: dict[str, str]) -> None:
    body = _get(api, "sup01", **MARCH)
    days = {d["day"]: (d["reported"], d["registered"]) for d in body["daily"]}
    assert len(days) == 31 and min(days) == "2030-03-01" and max(days) == "2030-03-31"
    assert days["2030-03-01"] == (1, 1)  # A at 00:30 local, still 28 February in UTC
    assert days["2030-03-10"] == (1, 1)  # B at 23:30 local
    assert days["2030-03-11"] == (2, 1)  # C at 00:30 local (the 10th in UTC), D
    assert days["2030-03-12"] == (1, 0)  # E, rejected
    assert sum(r for r, _ in days.values()) == 5
    categories = [(c["key"], c["reported"], c["due_to_close"]) for c in body["categories"]]
    assert categories == [("02", 4, 2), ("08", 1, 1)]
    assert body["categories"][1]["name"] == "环境保护"
    one_day = {"from": "2030-03-11", "to": "2030-03-11"}
    assert _behind(api, "sup01", **one_day, unit=DISTRICT, measure="reported") == sorted(
        [n["C"], n["D"]]
    )
    assert _behind(
        api, "sup01", **MARCH, unit=DISTRICT, by="category", key="08", measure="reported"
    ) == [n["C"]]


def _who_sees_what(api: Api) -> None:
    own = _get(api, "sup-dh", **MARCH)  # a street supervisor: their street by default
    assert own["unit"]["key"] == STREET1
    assert {k["name"]: k["value"] for k in own["kpis"]}["reported"] == 4
    assert [r["by"] for r in own["rankings"]] == ["community", "department", "grid"]
    assert all(r["key"].startswith("339901001") for r in own["rankings"][2]["rows"])
    for unit in (STREET2, DISTRICT):
        resp = api.get("sup-dh", "/api/v1/dashboard", query_string={**MARCH, "unit": unit})
        assert resp.status_code == 403
        query = {**MARCH, "unit": unit, "measure": "reported"}
        assert api.get("sup-dh", "/dashboard/cases", query_string=query).status_code == 403
    head = _get(api, "head-cg", **MARCH)  # a department head: their department
    assert head["unit"]["key"] == "dept-cg"
    assert {k["name"]: k["value"] for k in head["kpis"]}["due_to_close"] == 2  # A, B
    for user in ("gw01", "dh-cg", "designer"):
        assert api.get(user, "/api/v1/dashboard", query_string=MARCH).status_code == 403
        assert api.get(user, "/dashboard").status_code == 403


def test_dashboard_against_a_hand_count(api: Api, months: dict[str, str]) -> None:
    _tiles_against_the_previous_period(api, months)
    _rankings(api, months)
    _volume_by_day_and_category(api, months)
    _who_sees_what(api)


def test_without_a_period_the_month_to_date(api: Api) -> None:
    _at(api.ctx, 17, 8)
    body = _get(api, "sup01")
    assert body["period"] == {"from": "2030-03-01", "to": "2030-03-17"}
    assert body["previous"] == {"from": "2030-02-12", "to": "2030-02-28"}
    assert len(body["daily"]) == 17


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2030-03-31", "to": "2030-03-01"}, "to"),
        ({"from": "2030-02-30", "to": "2030-03-01"}, "from"),
        ({"to": "2030-03-01"}, "from"),
        ({**MARCH, "rank": "luck"}, "rank"),
        ({**MARCH, "unit": "nowhere"}, "unit"),
    ],
)
def test_bad_requests_name_the_parameter(api: Api, query: dict, field: str) -> None:
    resp = api.get("sup01", "/api/v1/dashboard", query_string=query)
    assert resp.status_code == 400, resp.get_json()
    assert field in resp.get_json()["fields"]


def test_local_days_follow_the_zone_also_across_daylight_saving(ctx: GridcaseContext) -> None:
    """A city in a zone with daylight saving: each instant falls on its local date on
    both databases (SQLite shifts by the offset in force at that instant)."""
    zone = ZoneInfo("Europe/Berlin")
    start, end = datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 11, 1, tzinfo=UTC)
    instants = {
        datetime(2030, 3, 30, 23, 30, tzinfo=UTC): date(2030, 3, 31),  # 00:30 CET
        datetime(2030, 3, 31, 22, 30, tzinfo=UTC): date(2030, 4, 1),  # 00:30 CEST
        datetime(2030, 10, 26, 22, 30, tzinfo=UTC): date(2030, 10, 27),  # 00:30 CEST
        datetime(2030, 10, 27, 22, 30, tzinfo=UTC): date(2030, 10, 27),  # 23:30 CET
    }
    assert [m for _at, m in offset_spans(zone, start, end)] == [60, 120, 60]
    with ctx.uow() as uow:
        for instant, day in instants.items():
            value = literal(instant, UTCDateTime())
            found = uow.session.scalar(select(local_day(uow.session, value, zone, start, end)))
            assert str(found)[:10] == day.isoformat(), instant
