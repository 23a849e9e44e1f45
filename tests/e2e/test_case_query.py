"""The case query (案件综合查询) and its exports over the API: filters, sort, paging, only
cases the caller may see, "my reports", CSV and Excel downloads of a query and of an
indicator table."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.app_fixtures import Api

GRID1, GRID2, WEST_GRID = "339901001001001", "339901001001002", "339901002001001"
COMMUNITY1 = "339901001001000"


def _numbers(api: Api, user: str, **query: str) -> list[str]:
    resp = api.get(user, "/api/v1/cases", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return [c["number"] for c in resp.get_json()["cases"]]


def test_filters_sort_paging_and_who_sees_what(api: Api) -> None:
    a = api.report("gw01", grid=GRID1, description="东湖路垃圾堆放")["case"]["number"]
    b = api.report("gw02", grid=GRID2, category="08", description="油烟直排")["case"]["number"]
    c = api.report("gw07", grid=WEST_GRID, description="西山路占道")["case"]["number"]
    api.step(b, "review", "cd01", {"decision": "reject", "reason": "非本社区"})

    assert _numbers(api, "sup01") == [c, b, a]  # newest first by default
    assert _numbers(api, "sup01", sort="reported") == [a, b, c]
    assert _numbers(api, "sup01", unit=COMMUNITY1) == [b, a]
    assert _numbers(api, "sup01", category="08") == [b]
    assert _numbers(api, "sup01", status="rejected") == [b]
    assert _numbers(api, "sup01", status="reported,rejected", q="路") == [c, b, a][::2]
    assert _numbers(api, "sup01", reporter="gw07") == [c]
    paged = api.get("sup01", "/api/v1/cases", query_string={"per_page": "2", "page": "2"})
    assert [x["number"] for x in paged.get_json()["cases"]] == [a]
    assert paged.get_json()["total"] == 3

    assert _numbers(api, "gw01") == [a]  # a grid worker: their grid
    assert _numbers(api, "cd01") == [b, a]  # the community's dispatcher
    assert _numbers(api, "gw02", mine="1") == [b]  # "my reports"
    assert _numbers(api, "designer") == []
    bad = api.get("sup01", "/api/v1/cases", query_string={"status": "lost", "unit": "x"})
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"status", "unit"}
    reversed_dates = {"reported_from": "2026-12-02", "reported_to": "2026-12-01"}
    assert api.get("sup01", "/api/v1/cases", query_string=reversed_dates).status_code == 400


def test_exports_as_csv_and_excel(api: Api) -> None:
    a = api.report("gw01", grid=GRID1, description="东湖路垃圾堆放")["case"]["number"]
    resp = api.get("cd01", "/api/v1/cases/export.csv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["案件编号", "标题", "类别"]
    assert rows[1][0] == a and rows[1][2] == "城市管理"

    resp = api.get("cd01", "/api/v1/cases/export.xlsx")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet.cell(1, 1).value == "案件编号" and sheet.cell(2, 1).value == a

    today = api.ctx.clock.now().astimezone(api.ctx.calendar.timezone).date().isoformat()
    query = {"from": today, "to": today, "by": "street"}
    resp = api.get("sup01", "/api/v1/indicators/export.xlsx", query_string=query)
    assert resp.status_code == 200, resp.data[:200]
    sheet = load_workbook(io.BytesIO(resp.data)).active
    headings = [c.value for c in sheet[1]]
    assert headings[:3] == ["名称", "上报数", "有效上报数"] and "结案率" in headings
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["东湖街道", "西山街道", "合计"]
    reported = headings.index("上报数") + 1
    assert sheet.cell(2, reported).value == 1
