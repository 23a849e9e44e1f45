"""Extensions and suspension through the HTTP API (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.app_fixtures import Api

GRID1 = "339901001001001"


def _dispatched(api: Api, hours: float) -> tuple[str, dict]:
    number = api.report(grid=GRID1)["case"]["number"]
    api.step(number, "review", "cd01", {"decision": "accept"})
    deadline = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    api.step(number, "dispatch", "cd01", {"department": "dept-cg", "deadline": deadline})
    return number, api.task(number, "sign")


def _due(task: dict) -> datetime:
    return datetime.fromisoformat(task["due_at"])


def test_extension_request_and_approval_move_the_deadline(api: Api) -> None:
    number, sign = _dispatched(api, hours=2)
    assert abs((_due(sign) - datetime.now(UTC)).total_seconds() - 7200) < 60
    until = datetime.now(UTC) + timedelta(hours=5)
    path = f"/api/v1/tasks/{sign['id']}/extension"

    assert (
        api.post("dh-sj", path, json={"reason": "x", "until": until.isoformat()}).status_code == 403
    )
    early = api.post("dh-cg", path, json={"reason": "x", "until": datetime.now(UTC).isoformat()})
    assert early.status_code == 400 and "until" in early.get_json()["fields"]
    made = api.post("dh-cg", path, json={"reason": "需协调施工队", "until": until.isoformat()})
    assert made.status_code == 201, made.get_json()
    again = api.post("dh-cg", path, json={"reason": "again", "until": until.isoformat()})
    assert again.status_code == 409

    request_id = made.get_json()["id"]
    assert (
        api.post(
            "dh-cg", f"/api/v1/extensions/{request_id}/decision", json={"approve": True}
        ).status_code
        == 403
    )
    decided = api.post(
        "cd01",
        f"/api/v1/extensions/{request_id}/decision",
        json={"approve": True, "comment": "同意"},
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"

    sign = api.task(number, "sign")
    assert abs((_due(sign) - until).total_seconds()) < 1
    case = api.case(number)
    assert abs((datetime.fromisoformat(case["case"]["deadline"]) - until).total_seconds()) < 1
    actions = [h["action"] for h in case["history"]]
    assert "extension_requested" in actions and "deadline_moved" in actions
    kinds = [n["kind"] for n in api.get("dh-cg", "/api/v1/notifications").get_json()]
    assert "extension_approved" in kinds
    assert "extension_requested" in [
        n["kind"] for n in api.get("cd01", "/api/v1/notifications").get_json()
    ]


def test_suspend_and_resume_keep_the_remaining_time(api: Api) -> None:
    number, sign = _dispatched(api, hours=2)
    before = _due(sign)
    assert (
        api.post(
            "dh-cg", f"/api/v1/cases/{number}/suspend", json={"reason": "等待法院判决"}
        ).status_code
        == 403
    )
    no_reason = api.post("cd01", f"/api/v1/cases/{number}/suspend", json={"reason": ""})
    assert no_reason.status_code == 400
    suspended = api.post("cd01", f"/api/v1/cases/{number}/suspend", json={"reason": "等待法院判决"})
    assert suspended.status_code == 200 and suspended.get_json()["case"]["suspended"] is True
    blocked = api.complete("dh-cg", sign["id"], {"decision": "accept"}, status=409)
    assert "suspended" in blocked["message"]

    api.ctx.clock.advance(hours=1)  # an hour suspended: the deadline moves by an hour
    resumed = api.post("sup-dh", f"/api/v1/cases/{number}/resume", json={"reason": "判决已出"})
    assert resumed.status_code == 200 and resumed.get_json()["case"]["suspended"] is False
    after = _due(api.task(number, "sign"))
    shift = (after - before).total_seconds()
    assert 3600 <= shift < 3610, shift
    api.complete("dh-cg", sign["id"], {"decision": "accept"})
    actions = [h["action"] for h in api.case(number)["history"]]
    assert actions.count("suspended") == 1 and actions.count("resumed") == 1


def test_failed_jobs_are_for_supervisors(api: Api) -> None:
    assert api.get("gw01", "/api/v1/jobs/failed").status_code == 403
    resp = api.get("sup01", "/api/v1/jobs/failed")
    assert resp.status_code == 200 and resp.get_json() == []


def test_a_deadline_in_the_past_is_refused_at_dispatch(api: Api) -> None:
    """It was accepted (2020-01-01): the case was overdue and in supervision before the
    department could sign."""
    number = api.report(grid=GRID1)["case"]["number"]
    api.step(number, "review", "cd01", {"decision": "accept"})
    task = api.task(number, "dispatch")
    past = {"department": "dept-cg", "deadline": "2020-01-01T09:00:00+08:00"}
    answer = api.complete("cd01", task["id"], past, status=400)
    assert answer["fields"]["deadline"] == ["a deadline must lie in the future"]
    assert api.case(number)["case"]["status"] == "registered"
    ahead = (api.ctx.clock.now() + timedelta(days=2)).isoformat()
    api.complete("cd01", task["id"], {"department": "dept-cg", "deadline": ahead})
