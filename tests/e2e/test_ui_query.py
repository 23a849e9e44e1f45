"""The case query page and the printable case sheet in Chromium: filter, download, my
reports, a phone-sized screen, the sheet as printed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import screenshot
from tests.e2e import test_ui_flows
from tests.e2e.test_ui_flows import login
from tests.processes.helpers import accepted, report, step

pytestmark = pytest.mark.browser
site = test_ui_flows.site  # the same browser fixture, for this module


def test_query_filter_download_and_my_reports(site: Any) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    other = report(ctx, category="08", text="餐馆油烟直排").case.number

    page = login(browser, base, "sup01")
    page.goto(f"{base}/cases")
    assert "案件查询" in page.inner_text("h1")
    page.select_option("select[name=category]", "08")
    page.click("form.query button[type=submit]")
    rows = page.locator("table.cases tbody tr")
    assert rows.count() >= 1 and other in rows.first.inner_text()
    assert number not in page.inner_text("table.cases")
    screenshot(page, "case-query")
    with page.expect_download() as download:
        page.click("p.downloads a:text('Excel')")
    assert download.value.suggested_filename == "cases.xlsx"

    phone = login(browser, base, "gw01", width=375)
    phone.goto(f"{base}/cases")
    phone.click("nav.tabs a:text('我上报的')")
    assert number in phone.inner_text("table.cases") and other in phone.inner_text("table.cases")
    screenshot(phone, "case-query-phone")


def test_printable_case_sheet(site: Any) -> None:
    base, browser, ctx = site
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    page = login(browser, base, "cd01")
    page.goto(f"{base}/cases/{number}")
    page.click("a:text('打印案件单')")
    assert "案件单" in page.inner_text("h1") and number in page.inner_text("h1")
    steps = page.inner_text("table.sheet-steps")
    assert "受理" in steps and "城市管理局" in steps  # the answers, in words
    page.emulate_media(media="print")
    assert not page.locator("button:text('打印')").is_visible()
    screenshot(page, "case-sheet-print")
