"""Duplicates (并单): open cases of the same kind reported nearby are suggested to the
reviewer, and merging is the review's one decision; the merged case counts once and its
reporter is told and may follow the surviving case."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, step
from workflows.services import cases, duplicates
from workflows.services.accounts import load_actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
NORTH_METRE = 1 / 111_320


def _report(api: Api, text: str, north_m: float = 0, user: str = "gw01", **kw: object) -> str:
    centre = api.ctx.directory.get(GRID1)
    new = cases.NewCase(
        kw.pop("category", "02"),  # type: ignore[arg-type]
        text,
        lat=centre.lat + north_m * NORTH_METRE,
        lon=centre.lon,
        **kw,  # type: ignore[arg-type]
    )
    return cases.report_case(api.ctx, load_actor(api.ctx, user), new).case.number


def test_nearby_open_cases_of_the_same_kind_are_suggested_and_merged(api: Api) -> None:
    ctx = api.ctx
    ctx.clock.advance_to(datetime(2030, 3, 1, 9, 0, tzinfo=SHANGHAI))
    too_old = _report(api, "八天前的同一堆垃圾")
    ctx.clock.advance_to(datetime(2030, 3, 9, 9, 0, tzinfo=SHANGHAI))
    refused = _report(api, "已不予受理的")
    step(ctx, refused, "review", "cd01", {"decision": "reject", "reason": "误报"})
    first = _report(api, "小区门口垃圾堆放", event_code="0102")
    far = _report(api, "八十米外的垃圾", north_m=80)
    other_kind = _report(api, "同一地点的交通问题", category="03")
    ctx.clock.advance(hours=1)
    second = _report(api, "门口垃圾没人清", north_m=20, user="gw02", grid=GRID1)

    found = duplicates.candidates(ctx, load_actor(ctx, "cd01"), second)
    assert [c.case.number for c in found] == [first]
    assert 19 < (found[0].metres or 0) < 21 and found[0].may_see
    unrelated = {too_old, refused, far, other_kind}
    assert not unrelated & {c.case.number for c in found}

    body = api.get("cd01", f"/api/v1/cases/{second}/duplicates").get_json()
    assert [d["case"]["number"] for d in body["duplicates"]] == [first]
    assert body["duplicates"][0]["metres"] > 19

    # Without coordinates, the same grid stands in for the distance.
    placeless = cases.report_case(
        ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "无坐标的上报", grid=GRID1)
    ).case.number
    assert first in {
        c.case.number for c in duplicates.candidates(ctx, load_actor(ctx, "cd01"), placeless)
    }

    # One decision merges; the merged case closes and points at the surviving one.
    step(ctx, second, "review", "cd01", {"decision": "merge", "duplicate_of": first})
    merged = api.case(second)
    assert merged["case"]["status"] == "merged"
    assert [c["number"] for c in api.case(first)["merged"]] == [second]

    # Its reporter is told, and follows the surviving case.
    notices = api.get("gw02", "/api/v1/notifications").get_json()
    told = [n for n in notices if n["kind"] == "merged"]
    assert told and first in told[0]["body"]
    assert api.get("gw02", f"/api/v1/cases/{first}").status_code == 200

    # It counts once: two reports that day, one of them valid.
    rows = api.get(
        "sup01",
        "/api/v1/indicators",
        query_string={"from": "2030-03-09", "to": "2030-03-09", "by": "grid"},
    ).get_json()
    grid = next(r for r in rows["rows"] if r["key"] == GRID1)
    assert (grid["reported"], grid["valid"]) == (6, 4)  # refused and merged are not valid
