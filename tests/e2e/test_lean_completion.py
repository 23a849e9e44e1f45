"""Completing a step and hearing only what comes next (``view=next``): the case's number
and status and the caller's next steps on it, without the full case view."""

from __future__ import annotations

from tests.app_fixtures import Api


def test_view_next_answers_the_next_steps_only(api: Api) -> None:
    number = api.report()["case"]["number"]
    review = api.task(number, "review")
    resp = api.post(
        "cd01",
        f"/api/v1/tasks/{review['id']}/complete?view=next",
        json={"data": {"decision": "accept"}},
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["number"] == number and body["url"] == f"/api/v1/cases/{number}"
    assert body["status"] == api.case(number)["case"]["status"] == "registered"
    # the community dispatcher dispatches next, on the same case
    assert [t["name"] for t in body["next_tasks"]] == ["dispatch"]
    assert "history" not in body and "current_tasks" not in body
    again = api.post(
        "cd01",
        f"/api/v1/tasks/{review['id']}/complete?view=next",
        json={"data": {"decision": "accept"}},
    )
    assert again.status_code == 409
