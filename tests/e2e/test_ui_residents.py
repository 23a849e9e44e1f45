"""The residents' pages in Chromium on a phone-sized screen (375 px): a report with a photo,
the category picked by its picture and the place from the browser's location; the tracking
page with the photos before and after and the evaluation given there."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.app_fixtures import copy_sqlite_template, make_context
from tests.browser import PATIENCE_MS, chromium, login, screenshot, serving, wait_until
from tests.processes.helpers import GRID1, step
from web import create_app
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.attachments import Upload

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_resident_reports_from_a_phone_and_evaluates_by_the_link(
    tmp_path: Path, sqlite_template: Path
) -> None:
    ctx = make_context(copy_sqlite_template(sqlite_template, tmp_path), upload_dir=tmp_path / "up")
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    grid = ctx.directory.get(GRID1)
    photo = tmp_path / "垃圾.png"
    photo.write_bytes(PNG)
    with serving(app) as base, chromium() as browser:
        phone = browser.new_page(
            viewport={"width": 375, "height": 740},
            geolocation={"latitude": grid.lat, "longitude": grid.lon},
            permissions=["geolocation", "clipboard-read", "clipboard-write"],
            locale="zh-CN",
        )
        phone.set_default_timeout(PATIENCE_MS)
        phone.goto(f"{base}/r")
        phone.wait_for_selector("#pick[data-ready='1']")

        # Sent empty first: every problem at once, nothing kept.
        phone.click("#resident-report button[type=submit]")
        assert "请选择问题类型" in phone.inner_text("main")
        assert "请在地图上标出位置" in phone.inner_text("main")
        phone.wait_for_selector("#pick[data-ready='1']")  # the page's scripts have run

        phone.set_input_files("#in-photos", str(photo))
        phone.wait_for_selector("#previews img", state="attached")
        phone.click(".tile:has-text('城市管理')")
        phone.click("#locate")
        wait_until(phone, "document.getElementById('in-lat').value !== ''")
        assert grid.name_zh in phone.inner_text("#picked")
        phone.fill("#in-description", "小区门口的垃圾三天没人清运")
        phone.fill("#in-phone", "139 0000 2222")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page is {width} px wide on a 375 px screen"
        screenshot(phone, "resident-report-phone")
        phone.click("#resident-report button[type=submit]")
        phone.wait_for_selector("#track-link")
        link = phone.inner_text("#track-link")
        assert "/t/" in link and "谢谢" in phone.inner_text("main")
        phone.click("button[data-copy]")
        phone.wait_for_selector("button[data-copy]:has-text('已复制')")
        assert phone.evaluate("() => navigator.clipboard.readText()") == link
        number = phone.inner_text("h1 code")

        # The staff take it round the loop; the handler adds the photo of the result.
        for element, user, data in (
            ("review", "zx-cg", {"decision": "accept"}),
            ("review", "cd01", {"decision": "accept"}),
            ("dispatch", "cd01", {"department": "dept-cg"}),
            ("sign", "dh-cg", {"decision": "accept"}),
        ):
            step(ctx, number, element, user, data)
        handler = load_actor(ctx, "dh-cg")
        handle = next(
            t.task
            for t in cases.get_case(ctx, handler, number).tasks
            if t.task.element_id == "handle" and t.task.state == "ready"
        )
        after = {"photos": [Upload("清运后.png", "image/png", io.BytesIO(PNG))]}
        cases.complete(ctx, handler, handle.id, {"result": "已清运"}, photos=after)
        step(ctx, number, "verify", "gw01", {"fixed": True})

        # The same link, later: before and after, the steps by unit, the evaluation.
        phone.goto(link)
        phone.wait_for_selector("#evaluate")
        text = phone.inner_text("main")
        assert "处理前" in text and "处理后" in text and "城管" in text
        assert "13900002222" not in text and "dh-cg" not in text
        loaded = phone.eval_on_selector_all(
            ".before-after img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
        )
        assert loaded == [True, True]
        phone.check("input[name=satisfaction][value=satisfied]")
        screenshot(phone, "resident-track-phone")
        phone.click("#evaluate button[type=submit]")
        phone.wait_for_selector("text=感谢您的评价")
        assert "满意" in phone.inner_text("main") and not phone.query_selector("#evaluate")
        screenshot(phone, "resident-evaluated-phone")
    ctx.close()


def test_a_grid_worker_reports_from_the_field(tmp_path: Path, sqlite_template: Path) -> None:
    """The staff's report page is built for the field too: the photo first with its
    preview, the place from the phone (a pin on the grid map), a clear word when the
    browser cannot tell the place."""
    ctx = make_context(copy_sqlite_template(sqlite_template, tmp_path), upload_dir=tmp_path / "up")
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    grid = ctx.directory.get(GRID1)
    photo = tmp_path / "scene.png"
    photo.write_bytes(PNG)
    try:
        with serving(app) as base, chromium() as browser:
            here = {"latitude": grid.lat, "longitude": grid.lon}
            phone = login(browser, base, "gw01", 375, geolocation=here, permissions=["geolocation"])
            phone.goto(f"{base}/report")
            phone.wait_for_selector("#pick[data-ready='1']")
            for width in (375, 390, 430):  # the menu on a row of its own, each item on one line
                phone.set_viewport_size({"width": width, "height": 740})
                tallest = (
                    "Math.max(...[...document.querySelectorAll('.nav a')].map(a => a.offsetHeight))"
                )
                assert phone.evaluate(tallest) < 40, width
            phone.set_viewport_size({"width": 375, "height": 740})
            fields = phone.eval_on_selector_all(
                ".task-form > .field", "fs => fs.map(f => f.className)"
            )
            assert "photo-first" in fields[0]  # the photo comes first
            phone.set_input_files("#in-photos", str(photo))
            phone.wait_for_selector("#previews img", state="attached")
            phone.select_option("#in-category", "02")
            phone.fill("#in-description", "路口井盖缺失")
            phone.click("#locate")
            wait_until(phone, "document.getElementById('in-lat').value !== ''")
            assert grid.name_zh in phone.inner_text("#picked")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375
            screenshot(phone, "report-field-phone")
            phone.click("form.task-form button[type=submit]")
            phone.wait_for_selector(".case-head code")
            number = phone.inner_text(".case-head code")

            blind = login(browser, base, "gw01", 375)  # no permission to tell the place
            blind.goto(f"{base}/report")
            blind.wait_for_selector("#pick[data-ready='1']")
            blind.click("#locate")
            wait_until(blind, "document.getElementById('picked').textContent.includes('地图')")
        case = cases.get_case(ctx, load_actor(ctx, "admin"), number).case
        assert (round(case.lat, 4), round(case.lon, 4)) == (round(grid.lat, 4), round(grid.lon, 4))
        assert case.grid_key == GRID1
    finally:
        ctx.close()
