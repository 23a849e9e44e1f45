"""The hotline desk in Chromium: a work order placed on the map, the caller's earlier cases
by phone, a call answered directly, and the return visit from the inbox; at 1280 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_fixtures import copy_sqlite_template, make_context
from tests.browser import chromium, login, screenshot, serving
from web import create_app
from workflows.services import cases
from workflows.services.accounts import load_actor

pytestmark = pytest.mark.browser


def _fill_call(page, description: str) -> None:
    page.fill("#in-caller_name", "王女士")
    page.fill("#in-caller_phone", "138-0000-1111")
    page.fill("#in-description", description)


def test_the_desk_from_call_to_return_visit(tmp_path: Path, sqlite_template: Path) -> None:
    ctx = make_context(copy_sqlite_template(sqlite_template, tmp_path), upload_dir=tmp_path / "up")
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    try:
        with serving(app) as base, chromium() as browser:
            page = login(browser, base, "rx01")
            page.click("nav a[href='/hotline']")
            page.wait_for_selector("#pick[data-ready='1']")

            # A work order: the event code found by search fills the category; the place is
            # a click inside a grid.
            _fill_call(page, "东门口垃圾三天没人清运")
            page.fill("#in-event_search", "暴露垃圾")
            page.select_option("#in-event_code", "0102")
            assert page.input_value("#in-category") == "02"
            page.click("#pick path.leaflet-interactive >> nth=0")
            assert "已选位置" in page.inner_text("#picked")
            screenshot(page, "hotline-desk")
            page.click("button[value=order]")
            page.wait_for_selector(".last-call code")
            assert "已派单" in page.inner_text("main")
            first = page.inner_text(".last-call code")

            # The same caller again: their earlier case is found by phone.
            page.fill("#in-caller_phone", "13800001111")
            page.click("#history")
            page.wait_for_selector("#earlier li")
            assert first in page.inner_text("#earlier")
            screenshot(page, "hotline-earlier")

            # Answered directly: closed at once, the return visit is in the inbox.
            _fill_call(page, "咨询居住证办理材料")
            page.select_option("#in-category", "01")
            page.click("#pick path.leaflet-interactive >> nth=1")  # where the caller lives
            page.fill("#in-answer", "已告知所需材料和办理地点")
            page.click("button[value=answer]")
            page.wait_for_selector(f".last-call code:not(:text('{first}'))")
            assert "直接办结" in page.inner_text("main")
            answered = page.inner_text(".last-call code")
            page.goto(f"{base}/inbox")
            assert answered in page.inner_text("main")
            page.click(f"tr:has-text('{answered}') a.task-link")
            screenshot(page, "hotline-return-visit")
            page.check("input[name=satisfaction][value=satisfied]")
            page.click("form.task-form button[type=submit]")
            page.wait_for_url(f"{base}/cases/{answered}")
    finally:
        ctx.close()
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), answered)
    assert detail.case.status == "evaluated"
