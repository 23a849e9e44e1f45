"""The dashboard (总览) in real headless Chromium: a supervisor lands on it after logging in,
on a desk (1280 px) and on a phone (375 px); the tiles show numbers with trend arrows
against the previous period, both ECharts charts draw on their canvas, a ranking row leads
to the cases behind it, and the page speaks English on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.app_fixtures import PASSWORD
from tests.browser import PATIENCE_MS, browsing, scratch_context, screenshot
from tests.processes.helpers import after, fire_until_quiet, step
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREET1 = "339901001000000"
# (grid, its grid worker), taken in turn
GRIDS = [
    ("339901001001001", "gw01"),
    ("339901001001002", "gw02"),
    ("339901001002001", "gw04"),
    ("339901002001001", "gw07"),
    ("339901001001001", "gw01"),
]
DISPATCHERS = {"339901001001": "cd01", "339901001002": "cd02", "339901002001": "cd03"}
CATEGORIES = ["02", "02", "08", "01", "02", "05", "08", "02", "04"]
MARCH_DAYS = [1, 2, 2, 4, 5, 5, 5, 8, 9, 10, 11, 11, 12, 14, 15, 16, 16, 18, 19, 20]
OVERDUE = 6  # the one case of March left past its deadline


def _case(ctx: GridcaseContext, i: int, fate: str, hours: float = 24 * 30) -> None:
    """Report the i-th case; then leave it in review, dispatch it, or dispatch and close."""
    grid, worker = GRIDS[i % len(GRIDS)]
    new = cases.NewCase(CATEGORIES[i % len(CATEGORIES)], f"第{i}号 巡查发现", grid=grid)
    number = cases.report_case(ctx, load_actor(ctx, worker), new).case.number
    if fate == "review":
        return
    dispatcher = DISPATCHERS[grid[:12]]
    step(ctx, number, "review", dispatcher, {"decision": "accept"})
    deadline = after(ctx, hours=hours)
    step(ctx, number, "dispatch", dispatcher, {"department": "dept-cg", "deadline": deadline})
    if fate == "overdue":
        ctx.clock.advance(hours=hours + 1)
        fire_until_quiet(ctx, number)
    elif fate == "closed":
        step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
        step(ctx, number, "handle", "dh-cg", {"result": "已处理"})
        step(ctx, number, "verify", worker, {"fixed": True})
        step(ctx, number, "evaluate", worker, {"satisfaction": "satisfied"})


def _fill(ctx: GridcaseContext) -> None:
    """February: five cases, four closed. March 1–20: twenty, spread over the days and the
    streets, some closed, some waiting, one overdue and supervised. The clock then stands at
    20 March 2030, 18:00."""
    for i, day in enumerate((3, 9, 15, 22, 26)):
        ctx.clock.advance_to(datetime(2030, 2, day, 10, tzinfo=SHANGHAI))
        _case(ctx, i, "review" if day == 26 else "closed")
    for n, day in enumerate(MARCH_DAYS):
        ctx.clock.advance_to(datetime(2030, 3, day, 8 + n % 10, 30, tzinfo=SHANGHAI))
        if n == OVERDUE:
            _case(ctx, n, "overdue", hours=1)
        else:
            _case(ctx, n, "review" if n % 4 == 3 else ("closed" if n % 2 == 0 else "open"))
    ctx.clock.advance_to(datetime(2030, 3, 20, 18, tzinfo=SHANGHAI))


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Any, GridcaseContext]]:
    ctx = scratch_context(tmp_path_factory, sqlite_template, "ui-dashboard")
    _fill(ctx)
    with browsing(ctx) as (base, browser):
        yield base, browser, ctx
    ctx.close()


def login(browser: Any, base: str, user: str, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(PATIENCE_MS)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")  # supervisors land on the dashboard
    page.wait_for_selector("#dashboard[data-ready='1']")
    return page


PAINTED = """el => {
  const canvas = el.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) painted++;
  return painted;
}"""


def _check_dashboard(page: Any) -> None:
    tiles = page.locator("#kpis li.kpi")
    assert tiles.count() == 9  # eight against the previous period, and overdue now
    reported = page.locator("#kpis li[data-name=reported]")
    assert reported.locator(".kpi-value").inner_text() == "20"
    # against the twenty days before (9–28 February): four
    assert "▲" in reported.locator(".kpi-trend").inner_text()
    assert reported.locator(".kpi-prev").inner_text().endswith(" 4")
    arrows = page.locator("#kpis .kpi-trend.up, #kpis .kpi-trend.down, #kpis .kpi-trend.flat")
    assert arrows.count() >= 5
    assert page.locator("#kpis li[data-name=overdue_now] .kpi-value").inner_text() == "1"
    for chart in ("#chart-daily", "#chart-category"):
        assert page.locator(chart).evaluate(PAINTED) > 1000, chart
    assert page.locator(".ranking[data-by=street] tbody tr").count() == 2


def test_supervisor_lands_on_the_dashboard_and_follows_a_ranking_row(site) -> None:
    base, browser, _ctx = site
    page = login(browser, base, "sup01", 1280)
    assert page.locator("nav a[aria-current=page]").inner_text() == "总览"
    assert "2030-03-01 – 2030-03-20" in page.inner_text("h1")  # the month to date
    _check_dashboard(page)
    screenshot(page, "dashboard")

    row = page.locator(".ranking[data-by=street] tbody tr", has_text="东湖街道")
    shown = int(row.locator("td.num").first.inner_text())
    row.locator("th a").click()
    page.wait_for_url("**/dashboard/cases?**")
    assert "东湖街道" in page.inner_text("h1") and "上报数" in page.inner_text("h1")
    assert page.locator("tr[data-case]").count() == shown
    screenshot(page, "dashboard-cases")

    page.locator(".crumbs a").click()  # back to the same unit and period
    page.wait_for_selector("#dashboard[data-ready='1']")
    page.select_option("select[name=unit]", STREET1)
    page.click(".dash-filters button[type=submit]")
    page.wait_for_selector("#dashboard[data-ready='1']")
    assert "东湖街道" in page.inner_text("h1")
    assert page.locator(".ranking[data-by=community]").count() == 1


def test_dashboard_on_a_phone_and_in_english(site) -> None:
    base, browser, _ctx = site
    phone = login(browser, base, "sup01", 375)
    _check_dashboard(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"
    screenshot(phone, "dashboard-phone")

    desk = login(browser, base, "cmd01", 1280)
    desk.click("header button.link")  # English
    desk.wait_for_selector("#dashboard[data-ready='1']")
    assert desk.locator("#kpis li[data-name=reported] .kpi-name").inner_text() == "Reported"
    assert "Streets" in desk.inner_text("#rankings")
    screenshot(desk, "dashboard-en")
