"""The closed loop through the HTTP API, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from tests.app_fixtures import Api

GRID1 = "339901001001001"
COMMUNITY1 = "339901001001000"
STREET1 = "339901001000000"
DISTRICT = "339901000000000"


def test_full_loop_with_return_redispatch_rework_and_evaluation(api: Api) -> None:
    created = api.report("gw01", grid=GRID1, title="东湖路垃圾")
    number = created["case"]["number"]
    assert created["case"]["status"] == "reported"
    assert created["current_tasks"][0]["name"] == "review"
    assert created["current_tasks"][0]["unit"]["key"] == COMMUNITY1

    case = api.step(number, "review", "cd01", {"decision": "accept", "comment": "属实"})
    assert case["case"]["status"] == "registered"
    assert case["suggested_department"] is not None

    case = api.step(number, "dispatch", "cd01", {"department": "dept-sj"})
    assert case["case"]["status"] == "dispatched"
    assert case["case"]["department"]["key"] == "dept-sj"
    assert case["current_tasks"][0]["due_at"] is not None

    case = api.step(number, "sign", "dh-sj", {"decision": "return", "reason": "不属于市场监管"})
    assert case["case"]["status"] == "registered"
    assert case["case"]["return_count"] == 1

    api.step(number, "dispatch", "cd01", {"department": "dept-cg"})
    case = api.step(number, "sign", "dh-cg", {"decision": "accept"})
    assert case["case"]["status"] == "in_progress"

    case = api.step(number, "handle", "dh-cg", {"result": "已清运"})
    assert case["case"]["status"] == "resolved"

    case = api.step(number, "verify", "gw01", {"fixed": False, "comment": "仍有残留"})
    assert case["case"]["status"] == "in_progress"
    assert case["case"]["rework_count"] == 1

    api.step(number, "handle", "dh-cg", {"result": "二次清运"})
    case = api.step(number, "verify", "gw01", {"fixed": True})
    assert case["case"]["status"] == "closed"
    assert case["case"]["closed_at"] is not None

    case = api.step(number, "evaluate", "gw01", {"satisfaction": "basically_satisfied"})
    assert case["case"]["status"] == "evaluated"
    assert case["case"]["satisfaction"] == "basically_satisfied"
    assert case["current_tasks"] == []

    actions = [(h["action"], h["element_id"]) for h in case["history"]]
    assert actions[0] == ("started", None)
    completed = [e for a, e in actions if a == "completed"]
    assert completed == [
        "review",
        "dispatch",
        "sign",
        "dispatch",
        "sign",
        "handle",
        "verify",
        "handle",
        "verify",
        "evaluate",
    ]
    assert actions[-1] == ("ended", None)


def test_reject_needs_a_reason_and_ends_the_case(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    task = api.task(number, "review")
    errors = api.complete("cd01", task["id"], {"decision": "reject"}, status=400)
    assert "reason" in errors["fields"]
    case = api.complete("cd01", task["id"], {"decision": "reject", "reason": "重复误报"})
    assert case["case"]["status"] == "rejected"
    assert case["current_tasks"] == []


def test_merge_into_an_existing_case(api: Api) -> None:
    first = api.report(grid=GRID1)["case"]["number"]
    second = api.report(grid=GRID1)["case"]["number"]
    task = api.task(second, "review")
    bad = api.complete(
        "cd01", task["id"], {"decision": "merge", "duplicate_of": "2000-999999"}, 400
    )
    assert "duplicate_of" in bad["fields"]
    case = api.complete("cd01", task["id"], {"decision": "merge", "duplicate_of": first})
    assert case["case"]["status"] == "merged"
    assert case["links"]["duplicate_of"] == first


def test_handle_on_the_spot_goes_to_the_grid_worker_then_evaluation(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    api.step(number, "review", "cd01", {"decision": "handle_on_spot"})
    task = api.task(number, "handle_on_spot")
    assert task["role"] == "grid_worker" and task["unit"]["key"] == GRID1
    case = api.complete("gw01", task["id"], {"result": "当场清理"})
    assert case["case"]["status"] == "closed"
    case = api.step(number, "evaluate", "gw01", {"satisfaction": "satisfied"})
    assert case["case"]["status"] == "evaluated"


def test_escalation_climbs_one_level_at_a_time_and_stops_at_the_district(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    case = api.step(number, "review", "cd01", {"decision": "escalate", "reason": "跨社区"})
    assert case["case"]["status"] == "coordinating"
    task = api.task(number, "review")
    assert (task["role"], task["unit"]["key"]) == ("street_dispatcher", STREET1)
    assert (
        api.post(
            "cd01", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "accept"}}
        ).status_code
        == 403
    )

    api.complete("sd01", task["id"], {"decision": "escalate", "reason": "需区级协调"})
    task = api.task(number, "review")
    assert (task["role"], task["unit"]["key"]) == ("district_command", DISTRICT)
    top = api.complete("cmd01", task["id"], {"decision": "escalate", "reason": "x"}, status=400)
    assert "decision" in top["fields"]

    case = api.complete("cmd01", task["id"], {"decision": "accept"})
    assert case["case"]["status"] == "registered"
    dispatch = api.task(number, "dispatch")
    assert (dispatch["role"], dispatch["unit"]["key"]) == ("district_command", DISTRICT)
    assert case["case"]["escalation_count"] == 2
