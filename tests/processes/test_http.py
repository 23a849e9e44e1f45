"""Each cross-department process driven through the HTTP API, as integrations would."""

from __future__ import annotations

from typing import Any

from tests.app_fixtures import Api
from tests.processes.helpers import DISTRICT, GRID1, later

HANDLERS = {"dept-cg": "dh-cg", "dept-ga": "dh-ga", "dept-mz": "dh-mz"}


def _tasks(api: Api, number: str, name: str) -> list[dict[str, Any]]:
    return [t for t in api.case(number)["current_tasks"] if t["name"] == name]


def _child(api: Api, number: str, kind: str) -> str:
    return next(c["number"] for c in api.case(number)["children"] if c["link_kind"] == kind)


def test_joint_conference_over_http(api: Api) -> None:
    number = api.report()["case"]["number"]
    api.step(number, "review", "cd01", {"decision": "accept"})
    api.step(number, "dispatch", "cd01", {"mode": "joint_conference", "invited": ["dept-cg"]})
    case = api.case(number)
    assert (case["case"]["status"], case["waiting_for"]) == ("coordinating", ["conference_decided"])
    conference = _child(api, number, "joint_conference")
    assert api.case(conference)["parent"]["number"] == number
    api.step(conference, "convene", "sd01", {"invited": ["dept-cg", "dept-ga"], "agenda": "议题"})
    for task in _tasks(api, conference, "give_opinion"):
        user = HANDLERS[task["unit"]["key"]]
        api.complete(user, task["id"], {"opinion_text": "同意", "can_lead": True})
    bad = {"lead": "339901001001001", "deadline": later(days=1), "minutes": "纪要"}
    resp = api.post(
        "sd01", f"/api/v1/tasks/{api.task(conference, 'decide')['id']}/complete", json={"data": bad}
    )
    assert resp.status_code == 400
    assert "lead" in resp.get_json()["fields"]
    decision = {
        "lead": "dept-cg",
        "co_handlers": ["dept-ga"],
        "deadline": later(days=1),
        "minutes": "城管牵头",
    }
    api.step(conference, "decide", "sd01", decision)
    handling = _tasks(api, number, "joint_handle")
    assert sorted(t["unit"]["key"] for t in handling) == ["dept-cg", "dept-ga"]


def test_whistle_over_http(api: Api) -> None:
    number = api.report()["case"]["number"]
    api.step(number, "review", "cd01", {"decision": "escalate", "reason": "跨部门"})
    api.step(number, "review", "sd01", {"decision": "accept"})
    whistle_fields = {
        "mode": "whistle",
        "whistle_departments": ["dept-cg", "dept-ga"],
        "urgency": "normal",
    }
    api.step(number, "dispatch", "sd01", whistle_fields)
    whistle = _child(api, number, "whistle_callin")
    for task in _tasks(api, whistle, "report_in"):
        api.complete(HANDLERS[task["unit"]["key"]], task["id"], {"officer": "负责人"})
    api.step(
        whistle,
        "joint_handling",
        "sd01",
        {"onsite_record": "联合执法", "resolved": True, "result": "已处置"},
    )
    rates = _tasks(api, whistle, "rate")
    # Parallel tasks say what each is about (the pages showed it; the API did not).
    assert sorted(t["subject"]["key"] for t in rates) == ["dept-cg", "dept-ga"]
    assert {t["subject"]["name_zh"] for t in rates} >= {"城市管理局"}
    for task in rates:
        api.complete("sd01", task["id"], {"score": 4})
    assert [t["name"] for t in api.case(number)["current_tasks"]] == ["verify"]
    rows = api.get("sup01", "/api/v1/departments/assessment").get_json()["departments"]
    table = {r["department"]: r for r in rows}
    assert table["dept-cg"]["reported_on_time"] == 1
    assert table["dept-ga"]["average_score"] == 4.0
    assert api.get("gw01", "/api/v1/departments/assessment").status_code == 403
    assert api.get("sup01", "/api/v1/departments/assessment?since=yesterday").status_code == 400


def test_dispute_mediation_over_http(api: Api) -> None:
    number = api.report(category="15", description="物业费纠纷")["case"]["number"]
    assert api.case(number)["case"]["process_id"] == "dispute_mediation"
    api.step(number, "assess_risk", "cd01", {"risk": "low", "parties": "业主与物业"})
    resp = api.post(
        "gw01",
        f"/api/v1/tasks/{api.task(number, 'mediate_grid')['id']}/complete",
        json={"data": {"outcome": "success", "notes": "x"}},
    )
    assert resp.status_code == 400 and "agreement" in resp.get_json()["fields"]
    api.step(number, "mediate_grid", "gw01", {"outcome": "failure", "notes": "未达成"})
    assert api.case(number)["current_tasks"][0]["unit"]["key"] == "339901001001000"


def test_special_task_over_http(api: Api) -> None:
    resp = api.post(
        "sup01", "/api/v1/special-tasks", json={"grids": [GRID1], "rule": "elderly_welfare_check"}
    )
    assert resp.status_code == 201, resp.get_json()
    number = resp.get_json()["case"]["number"]
    [task] = _tasks(api, number, "give_answer")
    assert task["unit"]["key"] == GRID1
    api.complete("gw01", task["id"], {"answer_text": "走访3户，均正常"})
    assert api.case(number)["data"]["summary"]["answered"] == 1
    bad = api.post("sup01", "/api/v1/special-tasks", json={"area": DISTRICT, "deadline": "soon"})
    assert bad.status_code == 400 and "deadline" in bad.get_json()["fields"]
    assert (
        api.post(
            "gw01", "/api/v1/special-tasks", json={"area": GRID1, "rule": "fire_escape_check"}
        ).status_code
        == 403
    )


def test_sensor_alert_over_http(api: Api) -> None:
    alert = {
        "device_id": "WM-9",
        "kind": "water_idle",
        "observed_at": later(),
        "grid": GRID1,
        "reading": {"idle_hours": 50},
    }
    first = api.post("iot-gw", "/api/v1/sensor-alerts", json=alert)
    assert first.status_code == 201, first.get_json()
    again = api.post("iot-gw", "/api/v1/sensor-alerts", json=alert)
    assert (again.status_code, again.get_json()["case"], again.get_json()["attached"]) == (
        200,
        first.get_json()["case"],
        True,
    )
    number = first.get_json()["case"]
    assert len(api.case(number)["readings"]) == 2
    assert api.post("gw01", "/api/v1/sensor-alerts", json=alert).status_code == 403
    bad = api.post("iot-gw", "/api/v1/sensor-alerts", json={"device_id": "x"})
    assert bad.status_code == 400 and {"kind", "observed_at"} <= set(bad.get_json()["fields"])
    api.step(
        number,
        "welfare_visit",
        "gw01",
        {
            "visit_outcome": "needs_service",
            "visit_notes": "需送餐",
            "service_category": "16",
            "service_description": "助餐服务",
        },
    )
    [service] = api.case(number)["children"]
    assert (service["link_kind"], service["process_id"]) == ("service", "closed_loop")
