"""Indicators against a hand count: a known set of cases driven through every outcome in one
month (March 2030, the test's clock), then read over the API on both databases — every
count, every rate with its numerator and denominator, the cases behind numbers, the month
boundary and who may see which rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, after, fire_until_quiet, ready, step
from workflows.adapters import indicator_sources
from workflows.adapters.indicator_predicates import GROUP_COLUMNS, Scope
from workflows.adapters.indicator_queries import IndicatorQuery
from workflows.adapters.indicator_rollup import RollupSpec
from workflows.adapters.models import ROLLED_COUNTS, IndicatorDay
from workflows.domain.indicators import Period
from workflows.services import cases, deadlines, indicators
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID2 = "339901001001002"  # same community, gw02
WEST_GRID = "339901002001001"  # the other street, gw07
DISTRICT, STREET1, STREET2 = "339901000000000", "339901001000000", "339901002000000"
MARCH = {"from": "2030-03-01", "to": "2030-03-31"}


def _report(ctx: GridcaseContext, text: str, user: str = "gw01", grid: str = GRID1, **kw) -> str:
    new = cases.NewCase(kw.pop("category", "02"), text, grid=grid, **kw)
    return cases.report_case(ctx, load_actor(ctx, user), new).case.number


def _dispatched(ctx: GridcaseContext, text: str, dept: str = "dept-cg", hours: float = 48) -> str:
    number = _report(ctx, text)
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    step(ctx, number, "dispatch", "cd01", {"department": dept, "deadline": after(ctx, hours=hours)})
    return number


def _handled(ctx: GridcaseContext, number: str, handler: str = "dh-cg") -> None:
    step(ctx, number, "sign", handler, {"decision": "accept"})
    step(ctx, number, "handle", handler, {"result": "已处理"})


def _verified(ctx: GridcaseContext, number: str, satisfaction: str | None) -> None:
    step(ctx, number, "verify", "gw01", {"fixed": True})
    if satisfaction:
        step(ctx, number, "evaluate", "gw01", {"satisfaction": satisfaction})


@pytest.fixture
def month(api: Api) -> dict[str, str]:
    """March 2030 as the table above drives it; returns the case numbers by letter."""
    ctx = api.ctx
    ctx.clock.advance_to(datetime(2030, 3, 11, 9, 0, tzinfo=SHANGHAI))
    n: dict[str, str] = {}
    n["A"] = _dispatched(ctx, "A 按期结案，满意")
    _handled(ctx, n["A"])
    _verified(ctx, n["A"], "satisfied")

    n["B"] = _dispatched(ctx, "B 超期办结，基本满意", hours=1)
    step(ctx, n["B"], "sign", "dh-cg", {"decision": "accept"})
    ctx.clock.advance(hours=2)  # the deadline passes before the department feeds back
    step(ctx, n["B"], "handle", "dh-cg", {"result": "已处理"})
    _verified(ctx, n["B"], "basically_satisfied")

    n["C"] = _dispatched(ctx, "C 返工，不满意")
    _handled(ctx, n["C"])
    step(ctx, n["C"], "verify", "gw01", {"fixed": False, "comment": "未清理干净"})
    step(ctx, n["C"], "handle", "dh-cg", {"result": "再次清理"})
    _verified(ctx, n["C"], "dissatisfied")

    n["D"] = _dispatched(ctx, "D 退回改派，默认满意", dept="dept-sj")
    step(ctx, n["D"], "sign", "dh-sj", {"decision": "return", "reason": "不属本局职责"})
    step(
        ctx, n["D"], "dispatch", "cd01", {"department": "dept-cg", "deadline": after(ctx, hours=48)}
    )
    _handled(ctx, n["D"])
    _verified(ctx, n["D"], None)

    n["E"] = _dispatched(ctx, "E 延期后办结，满意")
    sign = next(t for t in ready(ctx, n["E"]) if t.element_id == "sign")
    asked = deadlines.request_extension(
        ctx, load_actor(ctx, "dh-cg"), sign.id, "需协调", ctx.clock.now() + timedelta(hours=96)
    )
    deadlines.decide_extension(ctx, load_actor(ctx, "cd01"), asked.id, True)
    _handled(ctx, n["E"])
    _verified(ctx, n["E"], "satisfied")

    n["F"] = _dispatched(ctx, "F 挂起后恢复，未办")
    deadlines.suspend_case(ctx, load_actor(ctx, "cd01"), n["F"], "等待鉴定")
    deadlines.resume_case(ctx, load_actor(ctx, "cd01"), n["F"], "鉴定已出")

    n["G"] = _report(ctx, "G 无效上报")
    step(ctx, n["G"], "review", "cd01", {"decision": "reject", "reason": "误报，现场无此事"})

    n["H"] = _report(ctx, "H 环保，待办", user="gw02", grid=GRID2, category="08")
    step(ctx, n["H"], "review", "cd01", {"decision": "accept"})
    step(
        ctx, n["H"], "dispatch", "cd01", {"department": "dept-hb", "deadline": after(ctx, hours=48)}
    )

    n["J"] = _report(ctx, "J 西山街道", user="gw07", grid=WEST_GRID)

    ctx.clock.advance(days=8)  # D's reporter does not evaluate: satisfied by default
    fire_until_quiet(ctx, n["D"])

    ctx.clock.advance_to(datetime(2030, 3, 30, 10, 0, tzinfo=SHANGHAI))
    n["I"] = _dispatched(ctx, "I 三月派遣，四月结案", hours=24 * 7)
    ctx.clock.advance_to(datetime(2030, 4, 2, 10, 0, tzinfo=SHANGHAI))
    _handled(ctx, n["I"])
    _verified(ctx, n["I"], None)
    return n


def _rows(api: Api, user: str, **query: str) -> dict[str, dict]:
    resp = api.get(user, "/api/v1/indicators", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    return {"total": body["total"], **{r["key"]: r for r in body["rows"]}}


def _behind(api: Api, user: str, **query: str) -> list[str]:
    resp = api.get(user, "/api/v1/indicators/cases", query_string={"per_page": "100", **query})
    assert resp.status_code == 200, resp.get_json()
    return sorted(c["number"] for c in resp.get_json()["cases"])


def _counts_and_rates(api: Api, n: dict[str, str]) -> None:
    rows = _rows(api, "sup01", **MARCH, by="department", unit=DISTRICT)
    cg = rows["dept-cg"]
    expected = {
        "due_to_close": 7,  # A B C D E F I (D ends with the city-management bureau)
        "closed": 6,  # all but F; I counts in March though closed in April
        "closed_on_time": 5,  # B was handled after its deadline
        "due_to_handle": 7,
        "handled": 6,
        "handled_on_time": 5,
        "dispatched": 7,
        "returned": 1,  # D
        "reworked": 1,  # C
        "extended": 1,  # E
        "overdue": 2,  # B handled late; F never handled, its deadline long past
        "supervised": 0,
        "evaluated": 5,  # A B C D E (I is not evaluated yet)
        "satisfied": 2,
        "basically_satisfied": 1,
        "dissatisfied": 1,
        "satisfied_by_default": 1,
        "received": 7,  # department marks: every sign task that opened for it
        "returned_marks": 0,
        "reworked_marks": 1,
    }
    assert {k: cg[k] for k in expected} == expected
    assert cg["closure_rate"] == {"value": 0.8571, "numerator": 6, "denominator": 7}
    assert cg["on_time_closure_rate"] == {"value": 0.7143, "numerator": 5, "denominator": 7}
    assert cg["rework_rate"] == {"value": 0.1429, "numerator": 1, "denominator": 7}
    assert cg["overdue_rate"] == {"value": 0.2857, "numerator": 2, "denominator": 7}
    # (satisfied 2 + 0.9 × basically 1 + satisfied by default 1) / evaluated 5
    assert cg["satisfaction_rate"] == {"value": 0.78, "numerator": 3.9, "denominator": 5}
    sj = rows["dept-sj"]  # D went there first and was returned
    assert (sj["received"], sj["returned_marks"], sj["due_to_close"]) == (1, 1, 0)
    assert sj["return_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert (rows["dept-hb"]["due_to_close"], rows["dept-hb"]["closed"]) == (1, 0)

    assert _behind(
        api, "sup01", **MARCH, by="department", unit=DISTRICT, key="dept-cg", measure="closed"
    ) == sorted(n[x] for x in "ABCDEI")
    assert _behind(
        api, "sup01", **MARCH, by="department", unit=DISTRICT, key="dept-cg", measure="overdue"
    ) == sorted([n["B"], n["F"]])
    assert _behind(
        api,
        "sup01",
        **MARCH,
        by="department",
        unit=DISTRICT,
        key="dept-sj",
        measure="returned_marks",
    ) == [n["D"]]


def _units_workers_and_the_month_boundary(api: Api, n: dict[str, str]) -> None:
    streets = _rows(api, "sup01", **MARCH, by="street", unit=DISTRICT)
    assert (streets[STREET1]["reported"], streets[STREET1]["valid"]) == (9, 8)  # G rejected
    assert streets[STREET1]["due_to_close"] == 8  # A–F, H, I
    assert streets[STREET1]["valid_report_rate"]["denominator"] == 9
    assert (streets[STREET2]["reported"], streets[STREET2]["due_to_close"]) == (1, 0)
    assert streets["total"]["reported"] == 10

    workers = _rows(api, "sup01", **MARCH, by="grid_worker", unit=DISTRICT)
    gw01 = workers["gw01"]
    assert (gw01["reported"], gw01["valid"], gw01["verified"], gw01["verified_on_time"]) == (
        8,
        7,
        5,
        5,  # I was verified in April
    )
    assert gw01["reward"] == 35.0  # 7 valid reports × 5 yuan
    assert (workers["gw02"]["reported"], workers["gw07"]["reported"]) == (1, 1)

    april = {"from": "2030-04-01", "to": "2030-04-30"}
    next_month = _rows(api, "sup01", **april, by="street", unit=DISTRICT)
    assert next_month[STREET1]["due_to_close"] == 0  # I belongs to March
    assert _rows(api, "sup01", **april, by="grid_worker", unit=DISTRICT)["gw01"]["verified"] == 1
    assert _behind(
        api, "sup01", **MARCH, by="street", unit=DISTRICT, key=STREET1, measure="reported"
    ) == sorted(n[x] for x in "ABCDEFGHI")


def _who_sees_which_rows(api: Api) -> None:
    own = _rows(api, "sup-dh", **MARCH, by="street")  # a street supervisor, their street
    assert set(own) == {"total", STREET1}
    assert (
        api.get("sup-dh", "/api/v1/indicators", query_string={**MARCH, "unit": STREET2}).status_code
        == 403
    )
    head = _rows(api, "head-cg", **MARCH, by="category", unit="dept-cg")  # a department head
    assert head["02"]["due_to_close"] == 7
    assert (
        api.get(
            "head-cg", "/api/v1/indicators", query_string={**MARCH, "unit": DISTRICT}
        ).status_code
        == 403
    )
    for user in ("gw01", "dh-cg", "designer"):
        assert api.get(user, "/api/v1/indicators", query_string=MARCH).status_code == 403


def test_indicators_against_a_hand_count(api: Api, month: dict[str, str]) -> None:
    """One month driven once per database, then read three ways."""
    _counts_and_rates(api, month)
    _units_workers_and_the_month_boundary(api, month)
    _who_sees_which_rows(api)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2030-03-31", "to": "2030-03-01"}, "to"),
        ({"from": "2030-13-01", "to": "2030-03-01"}, "from"),
        ({"to": "2030-03-01"}, "from"),
        ({"from": "2029-01-01", "to": "2030-03-01"}, "to"),  # longer than the 400-day maximum
        ({**MARCH, "by": "planet"}, "by"),
        ({**MARCH, "unit": "nowhere"}, "unit"),
    ],
)
def test_bad_requests_name_the_parameter(api: Api, query: dict, field: str) -> None:
    resp = api.get("sup01", "/api/v1/indicators", query_string=query)
    assert resp.status_code == 400, resp.get_json()
    assert field in resp.get_json()["fields"]


def _every_table(
    ctx: GridcaseContext, rollup: RollupSpec | None, last: date = date(2030, 3, 31)
) -> tuple[bool, dict]:
    """Every grouping's counts and the department marks for March (or March 1 to ``last``:
    the roll-up reads month rows for whole months, day rows otherwise), read with or without
    the roll-up (settled first, as readers do); whether the roll-up answered."""
    indicators.settle_rollup(ctx)
    scope, w = Scope(), indicators.period_window(ctx, Period(date(2030, 3, 1), last))
    with ctx.uow() as uow:
        query = IndicatorQuery(uow.session, rollup)
        tables = {g: query.case_counts(scope, g, w) for g in GROUP_COLUMNS}
        tables["marks"] = query.mark_counts(scope, w)
        rolled = indicator_sources.case_counts(uow.session, rollup, w).rolled
    return rolled, tables


def _closing_hours_rounded(tables: dict) -> dict:
    return {
        g: {k: {m: round(v, 6) for m, v in row.items()} for k, row in rows.items()}
        for g, rows in tables.items()
    }


def test_the_rollup_counts_what_the_cases_count(api: Api, month: dict[str, str]) -> None:
    """Kept case by case in each transaction, the roll-up gives every count the cases give
    (overdue included, with H still waiting past its deadline); with other readings it
    stands aside until counted anew, and a full recount equals the one kept on the way."""
    ctx = api.ctx
    spec = ctx.uow().rollup
    rolled, from_rollup = _every_table(ctx, spec)
    live, from_cases = _every_table(ctx, None)
    assert rolled and not live
    assert from_rollup["department"]["dept-hb"]["overdue"] == 1  # H, waiting
    assert _closing_hours_rounded(from_rollup) == _closing_hours_rounded(from_cases)
    for last in (date(2030, 3, 15), date(2030, 4, 30)):  # day rows; two months' rows
        assert _closing_hours_rounded(_every_table(ctx, spec, last)[1]) == _closing_hours_rounded(
            _every_table(ctx, None, last)[1]
        )

    def stored() -> list[tuple]:
        with ctx.uow() as uow:
            rows = uow.session.execute(select(IndicatorDay)).scalars().all()
            return sorted(
                (
                    r.day,
                    r.grid_key,
                    r.department_key or "",
                    r.category,
                    *(getattr(r, c) for c in ROLLED_COUNTS),
                )
                for r in rows
            )

    kept = stored()
    assert indicators.bring_rollup_up_to_date(ctx) is None  # current: nothing to do
    assert indicators.bring_rollup_up_to_date(ctx, force=True)
    assert stored() == kept

    ctx.catalog.indicators = replace(ctx.catalog.indicators, extended_leave_due=True)
    changed = ctx.uow().rollup
    rolled, before_recount = _every_table(ctx, changed)
    assert not rolled  # counted with other readings: the cases answer
    due = from_cases["department"]["dept-cg"]["due_to_close"]
    assert before_recount["department"]["dept-cg"]["due_to_close"] == due - 1  # E, extended
    assert indicators.bring_rollup_up_to_date(ctx)
    rolled, after_recount = _every_table(ctx, changed)
    assert rolled
    assert _closing_hours_rounded(after_recount) == _closing_hours_rounded(before_recount)


def test_concurrent_reviews_in_one_grid_keep_the_rollup_exact(api: Api) -> None:
    """Reviews of cases of one grid and day, eight at a time: each transaction recounts the
    same bucket, and none loses another's decision."""
    ctx = api.ctx
    ctx.clock.advance_to(datetime(2030, 3, 11, 9, 0, tzinfo=SHANGHAI))
    numbers = [_report(ctx, f"并发审核 {i}") for i in range(24)]

    def review(i: int) -> None:
        decision = (
            {"decision": "reject", "reason": "重复"} if i % 3 == 0 else {"decision": "accept"}
        )
        step(ctx, numbers[i], "review", "cd01", decision)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(review, range(24)))
    _rolled, tables = _every_table(ctx, ctx.uow().rollup)
    assert (tables["grid"][GRID1]["reported"], tables["grid"][GRID1]["valid"]) == (24, 16)
    assert _closing_hours_rounded(tables) == _closing_hours_rounded(_every_table(ctx, None)[1])
