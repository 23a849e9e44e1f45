"""Residents (随手拍) through the public pages, on both databases: a report with a photo and
no account, throttled per address; the tracking link shows the steps by unit (no staff
name, no phone), the photos before and after, and takes the evaluation once; bad input
keeps nothing; a resident's own account lists their reports."""

from __future__ import annotations

import io
import re
from dataclasses import replace

from flask.testing import FlaskClient

from tests.app_fixtures import PASSWORD, Api
from tests.images import png
from tests.processes.helpers import GRID1, step
from web import create_app
from workflows.domain.permissions import RESIDENT
from workflows.services.residents import ANONYMOUS

PNG = png()


def _client(api: Api) -> FlaskClient:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, api.ctx)
    return app.test_client()


def _form(api: Api, **fields: object) -> dict:
    grid = api.ctx.directory.get(GRID1)
    return {
        "category": "02",
        "description": "小区门口的垃圾三天没人清运",
        "lat": str(grid.lat),
        "lon": str(grid.lon),
        "phone": "139 0000 2222",
        "name": "李先生",
        "photos": [(io.BytesIO(PNG), "门口.png", "image/png")],
        **fields,
    }


def _token(location: str) -> str:
    found = re.search(r"/t/([A-Za-z0-9_-]+)", location)
    assert found, location
    return found.group(1)


def _count(api: Api) -> int:
    with api.ctx.uow() as uow:
        return uow.cases.count()


def _case_of(api: Api, token: str):
    with api.ctx.uow() as uow:
        found = uow.cases.by_tracking_token(token)
        assert found is not None
        return found


def test_report_follow_and_evaluate_by_the_link(api: Api) -> None:
    web = _client(api)
    assert "随手拍" in web.get("/r").get_data(as_text=True)
    sent = web.post("/r", data=_form(api), content_type="multipart/form-data")
    assert sent.status_code == 302
    token = _token(sent.headers["Location"])
    case = _case_of(api, token)
    assert case.channel == "resident_app" and case.reporter_user_id is None
    assert case.reporter_phone == "13900002222" and len(case.photos) == 1

    page = web.get(f"/t/{token}?new=1").get_data(as_text=True)
    assert case.number in page and f"/t/{token}" in page  # the link to keep
    assert "13900002222" not in page and "李先生" not in page
    before = re.findall(rf"/t/{token}/photos/(\d+)", page)
    assert len(before) == 1 and web.get(f"/t/{token}/photos/{before[0]}").data == PNG

    # The case goes round the loop; the handler's photo is the "after".
    number = case.number
    step(api.ctx, number, "review", "zx-cg", {"decision": "accept"})
    step(api.ctx, number, "review", "cd01", {"decision": "accept"})
    step(api.ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    step(api.ctx, number, "sign", "dh-cg", {"decision": "accept"})
    handler = api.ctx.directory
    assert handler  # the staff's names stay off the page below
    task = next(t for t in api.case(number)["current_tasks"] if t["name"] == "handle")
    done = api.post(
        "dh-cg",
        f"/api/v1/tasks/{task['id']}/complete",
        data={
            "data": '{"result": "已清运"}',
            "photos": (io.BytesIO(PNG), "after.png", "image/png"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 200, done.get_json()
    step(api.ctx, number, "verify", "gw01", {"fixed": True})

    page = web.get(f"/t/{token}").get_data(as_text=True)
    after = set(re.findall(rf"/t/{token}/photos/(\d+)", page)) - set(before)
    assert len(after) == 1
    assert "城管" in page  # the department's name on the timeline
    for person in ("dh-cg", "gw01", "cd01", "zx-cg"):
        assert person not in page
    assert 'id="evaluate"' in page

    # Bad answer: nothing changes; then the evaluation, once.
    bad = web.post(f"/t/{token}/evaluate", data={"satisfaction": "delighted"})
    assert bad.status_code == 400 and 'id="evaluate"' in bad.get_data(as_text=True)
    good = web.post(f"/t/{token}/evaluate", data={"satisfaction": "basically_satisfied"})
    assert good.status_code == 302
    case = _case_of(api, token)
    assert case.status == "evaluated" and case.satisfaction == "basically_satisfied"
    history = api.case(number)["history"]
    assert any(e["actor"] == RESIDENT for e in history)
    again = web.post(
        f"/t/{token}/evaluate", data={"satisfaction": "dissatisfied"}, follow_redirects=True
    )
    assert "现在无法评价" in again.get_data(as_text=True)
    assert _case_of(api, token).satisfaction == "basically_satisfied"

    # Staff see the photos by the step that brought them.
    staff = _client(api)
    staff.post("/login", data={"username": "cd01", "password": PASSWORD})
    case_page = staff.get(f"/cases/{number}").get_data(as_text=True)
    captions = re.findall(r"<figcaption>([^<]+)</figcaption>", case_page)
    assert captions == ["已上报", "处置反馈"], captions

    # Links and photos that are not this report's.
    assert web.get("/t/not-a-token").status_code == 404
    assert web.get(f"/t/{token}/photos/999999").status_code == 404
    assert web.get(f"/files/{before[0]}").status_code == 302  # staff files: log in first


def test_bad_reports_keep_nothing_and_say_what_to_mend(api: Api) -> None:
    web = _client(api)
    kept = _count(api)
    sent = web.post(
        "/r",
        data=_form(api, category="", description="", lat="", lon="", phone="call me"),
        content_type="multipart/form-data",
    )
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400
    for message in ("请在地图上标出位置", "请描述", "电话号码", "请选择问题类型"):
        assert message in page, message
    far = web.post(
        "/r", data=_form(api, lat="10.0", lon="10.0"), content_type="multipart/form-data"
    )
    assert far.status_code == 400 and "不在本辖区内" in far.get_data(as_text=True)
    fake = web.post(
        "/r",
        data=_form(api, photos=[(io.BytesIO(b"<html>"), "x.png", "image/png")]),
        content_type="multipart/form-data",
    )
    assert fake.status_code == 400
    assert _count(api) == kept


def test_reports_are_throttled_per_address(api: Api) -> None:
    api.ctx.catalog.residents = replace(api.ctx.catalog.residents, report_limit="2 per hour")
    web = _client(api)
    answers = [
        web.post("/r", data=_form(api), content_type="multipart/form-data").status_code
        for _ in range(3)
    ]
    assert answers == [302, 302, 429]
    refused = web.post("/r", data=_form(api), content_type="multipart/form-data")
    assert "请求过于频繁" in refused.get_data(as_text=True)
    assert web.get("/r").status_code == 200  # reading the page is not limited
    other = _client(api)  # the limit is per address, and this app counts on its own
    assert other.post("/r", data=_form(api), content_type="multipart/form-data").status_code == 302


def test_a_residents_account_lists_their_reports(api: Api) -> None:
    web = _client(api)
    bad = web.post("/r/sign-up", data={"phone": "abc", "name": "", "password": "short"})
    assert bad.status_code == 400
    made = web.post(
        "/r/sign-up", data={"phone": "137-0000-3333", "name": "赵阿姨", "password": "a-long-one"}
    )
    assert made.status_code == 302 and made.headers["Location"].endswith("/r/mine")
    taken = _client(api).post(
        "/r/sign-up", data={"phone": "13700003333", "name": "别人", "password": "a-long-one"}
    )
    assert taken.status_code == 400 and "已有账号" in taken.get_data(as_text=True)

    sent = web.post("/r", data=_form(api, phone="", name=""), content_type="multipart/form-data")
    token = _token(sent.headers["Location"])
    case = _case_of(api, token)
    assert case.reporter_user_id is not None and case.reporter_name == "赵阿姨"
    mine = web.get("/r/mine").get_data(as_text=True)
    assert case.number in mine and f"/t/{token}" in mine
    assert web.get("/").headers["Location"].endswith("/r/mine")  # a resident's home
    assert web.get("/inbox").status_code in (200, 302)

    # Signed out, the same account signs in with its number.
    web.post("/logout")
    web.post("/login", data={"username": "13700003333", "password": "a-long-one"})
    assert case.number in web.get("/r/mine").get_data(as_text=True)
    # Staff have no "my reports" page.
    staff = api.get("cd01", "/r/mine")
    assert staff.status_code == 404
    assert ANONYMOUS.username == RESIDENT
