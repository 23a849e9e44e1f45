"""The 12345 desk: a call answered directly closes at once and counts; a work order goes to
its stream's centre; every call comes back to the call-taker for the return visit, whose
answer is the evaluation; the caller's earlier cases are found by phone number."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.app_fixtures import Api
from tests.processes.helpers import GRID1, ready, step
from workflows.services import hotline
from workflows.services.accounts import load_actor

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _call(**kw: object) -> hotline.Call:
    fields: dict = {
        "caller_name": "王女士",
        "caller_phone": "138-0000-1111",
        "category": "01",
        "description": "咨询居住证办理需要哪些材料",
        "grid": GRID1,
    }
    return hotline.Call(**{**fields, **kw})


def test_answered_directly_work_orders_and_the_return_visit(api: Api) -> None:
    ctx = api.ctx
    ctx.clock.advance_to(datetime(2030, 3, 11, 9, 0, tzinfo=SHANGHAI))
    agent = load_actor(ctx, "rx01")

    answered = hotline.take_call(ctx, agent, _call(answer="已告知所需材料及办理地点")).case
    assert answered.status == "closed" and answered.channel == "hotline_12345"
    assert answered.reporter_phone == "13800001111"
    visit = [(t.element_id, t.assignee) for t in ready(ctx, answered.number)]
    assert visit == [("evaluate", "rx01")]  # the return visit comes back to the desk

    order = hotline.take_call(ctx, agent, _call(category="02", description="小区门口垃圾无人清运"))
    assert [(t.element_id, t.unit_key) for t in ready(ctx, order.case.number)] == [
        ("review", "centre-cg")
    ]
    public = hotline.take_call(ctx, agent, _call(description="路灯不亮"))
    assert [(t.element_id, t.unit_key) for t in ready(ctx, public.case.number)] == [
        ("review", "centre-12345")
    ]

    step(ctx, answered.number, "evaluate", "rx01", {"satisfaction": "satisfied"})
    assert api.case(answered.number)["case"]["status"] == "evaluated"

    # Answered directly counts: registered and closed on time the same day.
    rows = api.get(
        "sup01",
        "/api/v1/indicators",
        query_string={"from": "2030-03-11", "to": "2030-03-11", "by": "category"},
    ).get_json()
    consult = next(r for r in rows["rows"] if r["key"] == "01")
    assert (consult["due_to_close"], consult["closed"], consult["closed_on_time"]) == (1, 1, 1)
    assert consult["satisfied"] == 1

    # The caller's earlier cases, by the number however it is written.
    found = api.get("rx01", "/api/v1/hotline/callers", query_string={"phone": "13800001111"})
    numbers = [c["number"] for c in found.get_json()["cases"]]
    assert numbers == [public.case.number, order.case.number, answered.number]
    assert found.get_json()["cases"][0]["status_name"]
    assert (
        api.get("gw01", "/api/v1/hotline/callers", query_string={"phone": "138"}).status_code == 403
    )


def test_a_call_over_the_api_and_its_errors(api: Api) -> None:
    body = {
        "caller_name": "李先生",
        "caller_phone": "13900002222",
        "category": "02",
        "event_code": "0102",
        "description": "楼下垃圾堆了三天",
        "grid": GRID1,
    }
    made = api.post("rx01", "/api/v1/hotline/calls", json=body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["case"]["channel"] == "hotline_12345"
    bad = api.post("rx01", "/api/v1/hotline/calls", json={**body, "caller_phone": "没有号码"})
    assert bad.status_code == 400 and "caller_phone" in bad.get_json()["fields"]
    empty = api.post("rx01", "/api/v1/hotline/calls", json={**body, "answer": " "})
    assert empty.status_code == 400 and "answer" in empty.get_json()["fields"]
    assert api.post("gw01", "/api/v1/hotline/calls", json=body).status_code == 403
