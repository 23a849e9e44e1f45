"""The monthly analysis report and the reward statements against a hand count: a few cases
driven through October and November 2030 with the test's clock (on both databases), the
report for November read in early December — totals and rates against October, rankings,
supervised cases and their outcome, long-running cases — the statements' amounts (5 yuan a
valid report, 300 for a major hidden danger), and who may see which."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, after, fire_until_quiet, step
from workflows.domain.errors import FieldErrors, ForbiddenError
from workflows.services import cases, monthly_report, reward_statements
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID2 = "339901001001002"  # same community as GRID1, gw02
WEST_GRID = "339901002001001"  # the other street, gw07
DISTRICT, STREET1, STREET2 = "339901000000000", "339901001000000", "339901002000000"
COMMUNITY1, COMMUNITY2 = "339901001001000", "339901001002000"


def _report(ctx: GridcaseContext, text: str, user: str = "gw01", grid: str = GRID1, **kw) -> str:
    new = cases.NewCase(kw.pop("category", "02"), text, grid=grid, **kw)
    return cases.report_case(ctx, load_actor(ctx, user), new).case.number


def _dispatched(ctx: GridcaseContext, number: str, dept: str = "dept-cg", hours: float = 48):
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    step(ctx, number, "dispatch", "cd01", {"department": dept, "deadline": after(ctx, hours=hours)})


def _closed(ctx: GridcaseContext, number: str, verifier: str = "gw01") -> None:
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    step(ctx, number, "handle", "dh-cg", {"result": "已处理"})
    step(ctx, number, "verify", verifier, {"fixed": True})


@pytest.fixture
def months(api: Api) -> dict[str, str]:
    """October and November 2030 as the docstring of each step says; the clock ends on
    2 December. Returns the case numbers by name."""
    ctx = api.ctx
    n: dict[str, str] = {}
    ctx.clock.advance_to(datetime(2030, 10, 15, 9, 0, tzinfo=SHANGHAI))
    n["O1"] = _report(ctx, "十月 按期结案")
    _dispatched(ctx, n["O1"])
    _closed(ctx, n["O1"])
    step(ctx, n["O1"], "evaluate", "gw01", {"satisfaction": "satisfied"})
    n["O2"] = _report(ctx, "十月 无效上报")
    step(ctx, n["O2"], "review", "cd01", {"decision": "reject", "reason": "误报"})
    n["O3"] = _report(ctx, "十月 环保 长期未结", user="gw02", grid=GRID2, category="08")
    _dispatched(ctx, n["O3"], dept="dept-hb")  # never handled: long-running by December

    ctx.clock.advance_to(datetime(2030, 11, 12, 9, 0, tzinfo=SHANGHAI))
    n["N1"] = _report(ctx, "十一月 按期结案")
    _dispatched(ctx, n["N1"])
    _closed(ctx, n["N1"])
    n["N2"] = _report(ctx, "十一月 重大隐患", priority="urgent")
    _dispatched(ctx, n["N2"])
    _closed(ctx, n["N2"])
    n["N3"] = _report(ctx, "十一月 退回改派")
    _dispatched(ctx, n["N3"], dept="dept-sj")
    step(ctx, n["N3"], "sign", "dh-sj", {"decision": "return", "reason": "不属本局职责"})
    step(
        ctx,
        n["N3"],
        "dispatch",
        "cd01",
        {"department": "dept-cg", "deadline": after(ctx, hours=48)},
    )
    _closed(ctx, n["N3"])
    # Two cases run past a 4-hour deadline and go to the street's supervisor.
    n["N4"] = _report(ctx, "十一月 督办后办结", user="gw02", grid=GRID2)
    n["N5"] = _report(ctx, "十一月 督办后仍超期")
    for name in ("N4", "N5"):
        _dispatched(ctx, n[name], hours=4)
        step(ctx, n[name], "sign", "dh-cg", {"decision": "accept"})
    ctx.clock.advance(days=1)
    for name in ("N4", "N5"):
        fire_until_quiet(ctx, n[name])
    step(
        ctx,
        n["N4"],
        "supervise",
        "sup-dh",
        {"decision": "press", "notice": "限期办结", "new_deadline": after(ctx, hours=48)},
    )
    step(ctx, n["N4"], "handle", "dh-cg", {"result": "已处理"})
    step(ctx, n["N4"], "verify", "gw02", {"fixed": True})
    step(ctx, n["N5"], "supervise", "sup-dh", {"decision": "escalate", "notice": "提级办理"})
    n["N6"] = _report(ctx, "十一月 西山街道", user="gw07", grid=WEST_GRID)

    ctx.clock.advance_to(datetime(2030, 12, 2, 10, 0, tzinfo=SHANGHAI))
    return n


def _figures(found: list) -> dict[str, tuple]:
    return {f.key: (f.this, f.last, f.change) for f in found}


def _report_for(api: Api, user: str, unit: str | None, month: str = "2030-11"):
    return monthly_report.monthly_report(api.ctx, load_actor(api.ctx, user), unit, month)


def _report_against_a_hand_count(api: Api, months: dict[str, str]) -> None:
    n = months
    r = _report_for(api, "sup-dh", None)  # a street supervisor: their street by default
    assert (r.unit.key, r.month.label, r.month.start.isoformat(), r.month.end.isoformat()) == (
        STREET1,
        "2030-11",
        "2030-11-01",
        "2030-11-30",
    )

    # Totals and rates against October (N6 is in the other street).
    figures = _figures(r.overview)
    assert figures["reported"] == (5, 3, 2)  # N1–N5 against O1–O3
    assert figures["valid"] == (5, 2, 3)  # O2 was rejected
    assert figures["due_to_close"] == (5, 2, 3)
    assert figures["closed"] == (4, 1, 3)  # N5 is still open; O3 too
    assert figures["supervised"] == (2, 0, 2)
    assert figures["overdue"][0] == 1  # N5; N4 was handled within the pressed deadline
    rates = {f.key: f for f in r.rates}
    closure = rates["closure_rate"]
    assert (closure.this, closure.last, closure.change) == (0.8, 0.5, 0.3)
    assert (closure.numerator, closure.denominator) == (4, 5)
    assert rates["valid_report_rate"].last == pytest.approx(0.6667)

    # Categories and hot spots: by reports this month, with last month beside.
    assert [(s.key, s.count("reported"), s.last_count("reported")) for s in r.categories] == [
        ("02", 5, 2)  # the environment report of October has nothing this month
    ]
    assert [(s.rank, s.key, s.count("reported"), s.change("reported")) for s in r.hot_spots] == [
        (1, GRID1, 4, 2),
        (2, GRID2, 1, 0),
    ]

    # The street's children are its communities; the one without cases comes unranked.
    assert r.child_level == "community"
    assert [(s.rank, s.key) for s in r.children] == [(1, COMMUNITY1), (None, COMMUNITY2)]
    # Grids by on-time closure: GRID2 closed its one case on time, GRID1 three of four.
    assert [(s.rank, s.key, s.rate("on_time_closure_rate")) for s in r.grids][:2] == [
        (1, GRID2, 1.0),
        (2, GRID1, 0.75),
    ]
    assert len(r.grids) == 6 and r.grids[2].rank is None

    # Departments with their overdue and returned cases.
    depts = {s.key: s for s in r.departments}
    assert set(depts) == {"dept-cg", "dept-sj"}
    cg, sj = depts["dept-cg"], depts["dept-sj"]
    assert cg.rank == 1 and sj.rank is None  # nothing due to close at the market bureau
    assert (cg.count("due_to_close"), cg.count("overdue"), cg.count("supervised_marks")) == (
        5,
        1,
        2,
    )
    assert [c.number for c in cg.overdue_cases] == [n["N5"]]
    assert (sj.count("received"), sj.count("returned_marks")) == (1, 1)
    assert [c.number for c in sj.returned_cases] == [n["N3"]]

    # Grid workers by valid reports, with their reward.
    workers = [(s.rank, s.key, s.count("valid"), s.count("major"), s.reward) for s in r.workers]
    assert workers == [(1, "gw01", 4, 1, 315.0), (2, "gw02", 1, 0, 5.0)]
    assert r.reward_total == 320.0

    # Supervised cases and where they stand.
    supervised = {s.case.number: s for s in r.supervised}
    assert set(supervised) == {n["N4"], n["N5"]}
    assert (supervised[n["N4"]].measure, supervised[n["N4"]].outcome) == ("press", "closed_on_time")
    assert (supervised[n["N5"]].measure, supervised[n["N5"]].outcome) == (
        "escalate",
        "still_overdue",
    )
    assert supervised[n["N4"]].case.department_zh == "城市管理局"
    assert r.outcomes == {
        "closed_on_time": 1,
        "closed_late": 0,
        "in_progress": 0,
        "still_overdue": 1,
    }

    # Long-running: O3, open since 15 October; N5 is open but younger than 30 days.
    assert [c.number for c in r.long_running] == [n["O3"]]
    assert r.long_running_total == 1
    assert r.long_running[0].days_open == 48 and r.long_running[0].overdue

    # October's own report: its long-running list is as of now too, but only what was
    # reported before October ended; nothing was supervised.
    october = _report_for(api, "sup-dh", STREET1, "2030-10")
    assert _figures(october.overview)["reported"] == (3, 0, 3)
    assert [c.number for c in october.long_running] == [n["O3"]]
    assert october.supervised == []

    # The district sees both streets.
    district = _report_for(api, "sup01", DISTRICT)
    assert _figures(district.overview)["reported"][0] == 6
    assert district.child_level == "street"
    assert [(s.key, s.count("reported")) for s in district.children] == [
        (STREET1, 5),
        (STREET2, 1),
    ]


def _reward_statements(api: Api, months: dict[str, str]) -> None:
    n = months
    ctx = api.ctx
    found = reward_statements.statement(ctx, load_actor(ctx, "sup-dh"), STREET1, "2030-11")
    assert (found.per_valid_report, found.per_major_hazard, found.major_priority) == (
        5.0,
        300.0,
        "urgent",
    )
    workers = {w.username: w for w in found.workers}
    gw01 = workers["gw01"]
    assert (gw01.name, gw01.valid, gw01.major, gw01.amount) == ("网格员01", 4, 1, 315.0)
    assert [(line.number, line.major, line.amount) for line in gw01.lines] == [
        (n["N1"], False, 5.0),
        (n["N2"], True, 300.0),
        (n["N3"], False, 5.0),
        (n["N5"], False, 5.0),
    ]
    assert sum(line.amount for line in gw01.lines) == gw01.amount
    assert (workers["gw02"].amount, [x.number for x in workers["gw02"].lines]) == (5.0, [n["N4"]])
    assert (found.valid, found.major, found.amount) == (5, 1, 320.0)

    october = reward_statements.statement(ctx, load_actor(ctx, "sup-dh"), STREET1, "2030-10")
    amounts = {w.username: (w.valid, w.amount) for w in october.workers}
    assert amounts == {"gw01": (1, 5.0), "gw02": (1, 5.0)}  # O2 was rejected: no reward

    # The export: one line per valid report, a subtotal per worker, the total.
    resp = api.get(
        "sup-dh", "/reports/rewards.csv", query_string={"unit": STREET1, "month": "2030-11"}
    )
    assert resp.status_code == 200
    assert "rewards-339901001000000-2030-11.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["网格员", "用户名", "案件编号"]
    major = next(r for r in rows if r[2] == n["N2"])
    assert (major[0], major[6], major[7], major[8]) == ("网格员01", "紧急", "是", "300.0")
    assert rows[-1][0] == "合计" and rows[-1][-1] == "320.0"
    assert any(r[2].startswith("小计") and r[-1] == "315.0" for r in rows)
    xlsx = api.get("sup-dh", "/reports/rewards.xlsx", query_string={"month": "2030-11"})
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def _who_may_see_reports(api: Api, months: dict[str, str]) -> None:
    ctx = api.ctx
    with pytest.raises(ForbiddenError):
        _report_for(api, "gw01", None)
    with pytest.raises(ForbiddenError):  # before the month is even read
        _report_for(api, "gw01", None, "not a month")
    with pytest.raises(ForbiddenError):
        _report_for(api, "sup-dh", STREET2)
    with pytest.raises(ForbiddenError):
        reward_statements.statement(ctx, load_actor(ctx, "gw01"), None, "2030-11")
    with pytest.raises(FieldErrors) as err:
        _report_for(api, "sup-dh", None, "2030-13")
    assert "month" in err.value.fields
    # A department head: their department's cases only, broken down by nothing below it.
    head = _report_for(api, "head-cg", None)
    assert (head.unit.key, head.child_level) == ("dept-cg", None)
    assert [s.key for s in head.departments] == ["dept-cg"]
    choices = [u.key for u in monthly_report.report_units(ctx, load_actor(ctx, "sup-dh"))]
    assert choices[0] == STREET1 and STREET2 not in choices and GRID1 not in choices

    month = {"month": "2030-11"}
    for path in (
        "/reports/monthly",
        "/reports/monthly.pdf",
        "/reports/rewards",
        "/reports/rewards.csv",
    ):
        assert api.get("gw01", path, query_string=month).status_code == 403, path
        other = api.get("sup-dh", path, query_string={**month, "unit": STREET2})
        assert other.status_code == 403, path
    page = api.get("sup-dh", "/reports/monthly", query_string=month)
    assert page.status_code == 200
    assert "东湖街道" in page.get_data(as_text=True)
    assert "西山街道" not in page.get_data(as_text=True).split('class="report"', 1)[1]
    bad = api.get("sup-dh", "/reports/monthly", query_string={"month": "November"})
    assert bad.status_code == 400 and "YYYY-MM" in bad.get_data(as_text=True)


def test_monthly_reports_and_rewards(api: Api, months: dict[str, str]) -> None:
    """Two months driven once per database, then the report, the statements and who sees
    them."""
    _report_against_a_hand_count(api, months)
    _reward_statements(api, months)
    _who_may_see_reports(api, months)
