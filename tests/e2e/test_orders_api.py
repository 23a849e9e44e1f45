"""The order pool over /api/v1/orders: post, the pool, claim (409 名额已满 when full), the
poster's view, and who may do what."""

from __future__ import annotations

from datetime import timedelta

from tests.app_fixtures import Api


def test_post_claim_and_the_full_order_over_the_api(api: Api) -> None:
    starts = api.ctx.clock.now() + timedelta(days=2)
    body = {
        "kind": "policy",
        "title": "反诈宣讲",
        "address": "东湖社区文化家园",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "needed": 1,
        "claim_deadline": (starts - timedelta(hours=6)).isoformat(),
    }
    refused = api.post("dangyuan1", "/api/v1/orders", json=body)
    assert refused.status_code == 403
    naive = api.post("cd01", "/api/v1/orders", json={**body, "starts_at": "2030-01-01T09:00"})
    assert naive.status_code == 400 and "starts_at" in naive.get_json()["fields"]
    posted = api.post("cd01", "/api/v1/orders", json=body)
    assert posted.status_code == 201, posted.get_json()
    order = posted.get_json()["order"]
    assert (order["stage"], order["claimed"], order["unit"]["name_zh"]) == ("open", 0, "东湖社区")

    pool = api.get("dangyuan1", "/api/v1/orders/pool").get_json()
    assert [(i["order"]["id"], i["tier"], i["mine"]) for i in pool] == [(order["id"], 0, False)]
    taken = api.post("dangyuan1", f"/api/v1/orders/{order['id']}/claim")
    assert taken.status_code == 200 and taken.get_json()["order"]["full"] is True
    full = api.post("dangyuan2", f"/api/v1/orders/{order['id']}/claim")
    assert full.status_code == 409 and full.get_json()["said"] == "名额已满"

    seen = api.get("cd01", f"/api/v1/orders/{order['id']}").get_json()
    assert seen["manages"] and [m["username"] for m in seen["members"]] == ["dangyuan1"]
    member_view = api.get("dangyuan2", f"/api/v1/orders/{order['id']}").get_json()
    assert member_view["members"] == [] and not member_view["may_claim"]
    assert api.get("dh-cg", f"/api/v1/orders/{order['id']}").status_code == 403

    mine = api.get("cd01", "/api/v1/orders").get_json()
    assert [o["id"] for o in mine["orders"]] == [order["id"]] and mine["steps"] == []
    assert api.get("dangyuan1", "/api/v1/orders/ranking").status_code == 403
    ranking = api.get("dq-dh", "/api/v1/orders/ranking?by=branch&period=year").get_json()
    assert ranking["rows"] == [] and ranking["by"] == "branch"
    csv = api.get("cd01", "/api/v1/orders/ranking.csv")
    assert csv.status_code == 200 and csv.data.decode("utf-8-sig").startswith("名次,党员")
