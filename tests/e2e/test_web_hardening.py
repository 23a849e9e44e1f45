"""Attacks through the web layer, each refused with the site's own answer: HTML uploaded as
an image, a body larger than the photo limits allow, page numbers no database can offset;
every answer carries the protective headers (the browser tests run under the same
Content-Security-Policy, so the pages are known to work with it)."""

from __future__ import annotations

import io

import pytest

from tests.app_fixtures import PASSWORD, Api
from web import create_app
from web.security import content_policy
from workflows.services.attachments import MAX_BYTES, MAX_FILES
from workflows.services.context import GridcaseContext


def _web(ctx: GridcaseContext):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, ctx)
    web = app.test_client()
    web.post("/login", data={"username": "gw01", "password": PASSWORD})
    return web


def test_every_answer_carries_the_protective_headers(ctx: GridcaseContext) -> None:
    web = _web(ctx)
    for path in ("/inbox", "/r", "/static/gridcase.css", "/no-such-page"):
        headers = web.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
    assert "找不到" in web.get("/no-such-page").get_data(as_text=True)  # the site's own page


def test_the_tile_servers_are_the_only_other_image_source() -> None:
    policy = content_policy(
        "https://t{s:01234567}.tianditu.gov.cn/vec_w/{z}/{x}/{y} http://tiles.local/{z}.png"
    )
    assert "img-src 'self' data: blob: http://tiles.local https://*.tianditu.gov.cn;" in policy
    assert "img-src 'self' data: blob:;" in content_policy(None)


def test_html_sent_as_a_photo_is_refused_and_nothing_kept(api: Api) -> None:
    web = _web(api.ctx)
    before = api.get("admin", "/api/v1/cases").get_json()["total"]
    sent = web.post(
        "/report",
        data={
            "category": "02",
            "description": "占道经营",
            "grid": "339901001001001",
            "photos": (
                io.BytesIO(b"RIFF\0\0\0\0WEBP<html><script>alert(1)</script>"),
                "x.html",
                "image/webp",
            ),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 400 and "只接受 JPEG、PNG、WebP 或 PDF" in sent.get_data(
        as_text=True
    )
    assert api.get("admin", "/api/v1/cases").get_json()["total"] == before


def test_a_body_over_the_photo_limits_gets_the_sites_page(ctx: GridcaseContext) -> None:
    web = _web(ctx)
    too_much = b"\0" * (MAX_FILES * MAX_BYTES + 3 * 1024 * 1024)
    sent = web.post(
        "/report",
        data={"photos": (io.BytesIO(too_much), "x.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 413 and "照片" in sent.get_data(as_text=True)


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "abc"])
def test_page_numbers_out_of_range(api: Api, page: str) -> None:
    web = _web(api.ctx)
    assert web.get(f"/inbox?page={page}").status_code == 200
    answer = api.get("cd01", f"/api/v1/tasks?page={page}")
    assert answer.status_code == 400 and "page" in answer.get_json()["fields"]


def test_the_process_list_is_for_designers_and_supervisors(api: Api) -> None:
    assert api.get("gw01", "/api/v1/processes").status_code == 403
    assert api.get("iot-gw", "/api/v1/processes").status_code == 403
    assert api.get("designer", "/api/v1/processes").status_code == 200
    assert api.get("sup01", "/api/v1/processes").status_code == 200
