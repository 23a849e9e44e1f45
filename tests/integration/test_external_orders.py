"""Work orders pushed by other systems (a 12345 hotline system, a mini-program) carry their
own id: the same order twice, even at the same moment, is one case."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.app_fixtures import Api
from workflows.services import cases
from workflows.services.accounts import load_actor

ORDER = {
    "category": "02",
    "description": "市民来电：小区门口垃圾堆放三天无人清理",
    "channel": "hotline_12345",
    "grid": "339901001001001",
    "reporter_name": "王女士",
    "reporter_phone": "13800001111",
    "external_id": "12345-2030-000123",
}


def _case_count(api: Api) -> int:
    with api.ctx.uow() as uow:
        return uow.cases.count()


def test_the_same_order_twice_is_one_case(api: Api) -> None:
    first = api.post("hotline-sys", "/api/v1/cases", json=ORDER)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["case"]["external_id"] == ORDER["external_id"]
    assert body["already_reported"] is False
    before = _case_count(api)

    again = api.post("hotline-sys", "/api/v1/cases", json={**ORDER, "description": "重复推送"})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["already_reported"] is True
    assert again.get_json()["case"]["number"] == body["case"]["number"]
    assert again.get_json()["case"]["description"] == ORDER["description"]  # nothing changed
    assert _case_count(api) == before

    # The id is the pushing system's own: another account's order 000123 is another case.
    other = api.post("gw01", "/api/v1/cases", json={**ORDER, "channel": "grid_worker"})
    assert other.status_code == 201
    assert other.get_json()["case"]["number"] != body["case"]["number"]


def test_an_order_pushed_six_times_at_once_opens_one_case(api: Api) -> None:
    ctx = api.ctx
    gateway = load_actor(ctx, "hotline-sys")
    new = cases.NewCase(**{**ORDER, "external_id": "12345-2030-000777"})
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: cases.report_case(ctx, gateway, new), range(6)))
    assert len({a.case.number for a in answers}) == 1
    assert sorted(a.already_reported for a in answers) == [False] + [True] * 5
    with ctx.uow() as uow:
        assert uow.cases.find_external("hotline-sys", "12345-2030-000777") is not None


def test_a_bad_order_id_is_a_field_error(api: Api) -> None:
    resp = api.post("hotline-sys", "/api/v1/cases", json={**ORDER, "external_id": ""})
    assert resp.status_code == 400
    assert "external_id" in resp.get_json()["fields"]


def test_a_pushing_system_may_ask_for_the_number_only(api: Api) -> None:
    """``?view=next`` answers what the pushing system keeps (number, status, where to read
    the case), not the whole case view; a repeated push says it was reported before."""
    first = api.post("hotline-sys", "/api/v1/cases?view=next", json=ORDER)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert set(body) == {"number", "status", "url", "already_reported"}
    assert body["status"] == "reported" and body["already_reported"] is False
    assert body["url"] == f"/api/v1/cases/{body['number']}"
    assert api.get("hotline-sys", body["url"]).status_code == 200

    again = api.post("hotline-sys", "/api/v1/cases?view=next", json=ORDER)
    assert again.status_code == 200
    assert again.get_json() == {**body, "already_reported": True}
