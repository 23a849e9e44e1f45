"""Log in and see the inbox in real headless Chromium (desktop and phone widths)."""

from __future__ import annotations

import pytest

from tests.app_fixtures import PASSWORD, make_context
from tests.browser import chromium, screenshot, serving
from web import create_app
from workflows import cases
from workflows.auth import load_actor

pytestmark = pytest.mark.browser


def test_dispatcher_logs_in_and_sees_the_new_case(sqlite_url: str) -> None:
    ctx = make_context(sqlite_url)
    reporter = load_actor(ctx, "gw01")
    detail = cases.report_case(
        ctx, reporter, cases.NewCase("02", "东湖路口有垃圾堆放", grid="339901001001001")
    )
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    with serving(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 700})
        page.goto(f"{base}/inbox")
        assert page.url.startswith(f"{base}/login")
        page.fill("input[name=username]", "cd01")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        assert page.locator("[role=alert]").is_visible()
        screenshot(page, "login-error")

        page.fill("input[name=username]", "cd01")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        row = page.locator("tbody tr")
        assert row.count() == 1
        assert detail.case.number in row.inner_text()
        assert "审查受理" in row.inner_text()
        due_local = detail.tasks[0].task.due_at.astimezone(ctx.calendar.timezone)
        assert due_local.strftime("%Y-%m-%d %H:%M") in row.inner_text()  # local time, not UTC
        screenshot(page, "inbox")

        with ctx.uow() as uow:  # as the warning timer would leave it
            uow.cases.by_number(detail.case.number).alert_level = "yellow"
            uow.commit()
        page.reload()
        assert page.locator("tbody tr.warning").count() == 1
        assert "预警" in page.locator("tbody tr").inner_text()

        phone = browser.new_page(viewport={"width": 375, "height": 700})
        phone.goto(f"{base}/login")
        phone.fill("input[name=username]", "gw02")
        phone.fill("input[name=password]", PASSWORD)
        phone.click("button[type=submit]")
        assert "暂无待办任务" in phone.inner_text("main")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        screenshot(phone, "inbox-phone-empty")
    ctx.close()
