"""The review step in Chromium shows possible duplicates beside the case, photos side by
side, and merges with one click."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.app_fixtures import copy_sqlite_template, make_context
from tests.browser import chromium, login, screenshot, serving
from web import create_app
from workflows.services import attachments, cases
from workflows.services.accounts import load_actor

pytestmark = pytest.mark.browser
GRID1 = "339901001001001"


def _photo(colour: str) -> attachments.Upload:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    out.seek(0)
    return attachments.Upload("photo.jpg", "image/jpeg", out)


def test_merge_a_duplicate_from_the_review_step(tmp_path: Path, sqlite_template: Path) -> None:
    ctx = make_context(copy_sqlite_template(sqlite_template, tmp_path), upload_dir=tmp_path / "up")
    centre = ctx.directory.get(GRID1)
    first = cases.report_case(
        ctx,
        load_actor(ctx, "gw01"),
        cases.NewCase("02", "东门垃圾堆放", lat=centre.lat, lon=centre.lon, address="东门"),
        [_photo("#8a6d3b")],
    ).case.number
    ctx.clock.advance(hours=2)
    second = cases.report_case(
        ctx,
        load_actor(ctx, "gw02"),
        cases.NewCase("02", "东门口又见垃圾", lat=centre.lat + 0.0002, lon=centre.lon),
        [_photo("#6b8e23")],
    ).case.number
    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    try:
        with serving(app) as base, chromium() as browser:
            page = login(browser, base, "cd01")
            task = next(
                t.task.id
                for t in cases.get_case(ctx, load_actor(ctx, "admin"), second).tasks
                if t.task.element_id == "review" and t.task.state == "ready"
            )
            page.goto(f"{base}/tasks/{task}")
            panel = page.locator("section.duplicates")
            assert "疑似重复" in panel.inner_text()
            assert first in panel.inner_text() and "22 米" in panel.inner_text()
            assert panel.locator(".side-by-side img").count() == 2
            screenshot(page, "review-duplicates")
            panel.get_by_role("button", name=f"并入 {first}").click()
            page.wait_for_url(f"{base}/tasks/*")  # the next thing to do: the first report's review
            assert "已完成：审查受理" in page.inner_text("main")
            assert "办理下一件" in page.inner_text("main")
    finally:
        ctx.close()
    assert cases.get_case(ctx, load_actor(ctx, "admin"), second).case.status == "merged"
