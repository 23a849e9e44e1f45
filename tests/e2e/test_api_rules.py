"""Visibility, bad input and conflicts through the HTTP API."""

from __future__ import annotations

from tests.app_fixtures import Api

GRID1 = "339901001001001"
GRID2 = "339901001001002"


def test_department_cannot_see_or_complete_another_departments_task(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    api.step(number, "review", "cd01", {"decision": "accept"})
    api.step(number, "dispatch", "cd01", {"department": "dept-cg"})
    sign = api.task(number, "sign")

    mine = api.get("dh-cg", "/api/v1/tasks").get_json()
    assert [t["id"] for t in mine["items"]] == [sign["id"]]
    other = api.get("dh-sj", "/api/v1/tasks").get_json()
    assert other["items"] == [] and other["total"] == 0

    assert api.get("dh-sj", f"/api/v1/cases/{number}").status_code == 403
    resp = api.post(
        "dh-sj", f"/api/v1/tasks/{sign['id']}/complete", json={"data": {"decision": "accept"}}
    )
    assert resp.status_code == 403
    assert api.post("dh-sj", f"/api/v1/tasks/{sign['id']}/claim").status_code == 403
    assert api.get("dh-cg", f"/api/v1/cases/{number}").status_code == 200


def test_grid_worker_sees_only_their_grid(api: Api) -> None:
    mine = api.report("gw01", grid=GRID1)["case"]["number"]
    theirs = api.report("gw02", grid=GRID2)["case"]["number"]
    for number in (mine, theirs):
        api.step(number, "review", "cd01", {"decision": "handle_on_spot"})

    inbox = api.get("gw01", "/api/v1/tasks").get_json()
    assert {t["case"]["number"] for t in inbox["items"]} == {mine}
    assert api.get("gw01", f"/api/v1/cases/{theirs}").status_code == 403
    assert api.get("gw02", f"/api/v1/cases/{theirs}").status_code == 200
    # the community dispatcher above both grids sees both cases
    assert api.get("cd01", f"/api/v1/cases/{mine}").status_code == 200
    assert api.get("cd01", f"/api/v1/cases/{theirs}").status_code == 200


def test_invalid_task_data_gives_field_errors_and_changes_nothing(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    before = api.case(number)
    task = api.task(number, "review")
    body = api.complete(
        "cd01", task["id"], {"decision": "maybe", "colour": "red", "comment": 3}, status=400
    )
    assert set(body["fields"]) == {"decision", "colour", "comment"}
    after = api.case(number)
    assert after["case"] == before["case"]
    assert after["history"] == before["history"]
    assert [t["id"] for t in after["current_tasks"]] == [task["id"]]


def test_completing_a_finished_task_is_a_conflict(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    task = api.task(number, "review")
    api.complete("cd01", task["id"], {"decision": "accept"})
    again = api.complete("cd01", task["id"], {"decision": "accept"}, status=409)
    assert again["error"] == "ConflictError" and "already done" in again["message"]


def test_claimed_task_is_held_until_unclaimed(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    task = api.task(number, "review")
    claimed = api.post("cd01", f"/api/v1/tasks/{task['id']}/claim").get_json()
    assert claimed["assignee"] == "cd01"
    assert api.post("cd01", f"/api/v1/tasks/{task['id']}/unclaim").status_code == 200
    assert api.case(number)["current_tasks"][0]["assignee"] is None


def test_bad_report_gives_field_errors(api: Api) -> None:
    resp = api.post("gw01", "/api/v1/cases", json={"category": "99", "lat": 200})
    body = resp.get_json()
    assert resp.status_code == 400
    assert {"description", "lat"} <= set(body["fields"])
    resp = api.post("gw01", "/api/v1/cases", json={"category": "99", "description": "x y"})
    assert resp.status_code == 400 and "category" in resp.get_json()["fields"]


def test_a_refused_parameter_is_said_in_chinese(api: Api) -> None:
    """marshmallow's own refusals (a range, a type) are said like the service layer's."""
    body = api.get("cd01", "/api/v1/tasks", query_string={"page": 0}).get_json()
    assert body["said"] == "须在 1 到 100000 之间"
    assert body["fields"]["page"] == ["from 1 to 100000"]
    body = api.get("cd01", "/api/v1/tasks", query_string={"per_page": "x"}).get_json()
    assert body["said"] == "须为整数"


def test_unauthenticated_calls_get_401(api: Api) -> None:
    assert api.client.get("/api/v1/tasks").status_code == 401
    bad = api.client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    # a program that forgot its token is told so, not asked for a CSRF token
    assert api.client.post("/api/v1/cases", json={"category": "02"}).status_code == 401


def test_a_browser_session_still_needs_the_csrf_token_for_the_api(api: Api) -> None:
    with api.client.session_transaction() as session:
        session["username"] = "gw01"
    forged = api.client.post("/api/v1/cases", json={"category": "02", "description": "占道"})
    assert forged.status_code == 400 and "CSRF" in forged.get_json()["message"]


def test_openapi_document_lists_the_endpoints(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/cases", "/api/v1/tasks/{task_id}/complete"} <= set(doc["paths"])
    assert "CaseDetail" in doc["components"]["schemas"]


def test_processes_list_versions_and_instances(api: Api) -> None:
    api.report(grid=GRID1)
    processes = api.get("designer", "/api/v1/processes").get_json()
    loop = next(p for p in processes if p["process_id"] == "closed_loop")
    assert loop["latest_version"] == 1
    assert loop["versions"][0]["instances"] == {"running": 1}


def test_designers_and_machine_accounts_read_no_case_data(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    review = api.task(number, "review")
    for account in ("designer", "iot-gw"):  # granted at district level, but no case role
        assert api.get(account, f"/api/v1/cases/{number}").status_code == 403
        assert api.get(account, "/api/v1/tasks").get_json()["total"] == 0
        resp = api.post(
            account, f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "x"}}
        )
        assert resp.status_code == 403
    # the administrator and the district's supervisor may (roles with case capabilities)
    assert api.get("admin", f"/api/v1/cases/{number}").status_code == 200
    assert api.get("sup01", f"/api/v1/cases/{number}").status_code == 200


def test_a_gateway_sends_a_rule_task_and_learns_only_its_number(api: Api) -> None:
    resp = api.post(
        "iot-gw", "/api/v1/special-tasks", json={"area": GRID1, "rule": "fire_escape_check"}
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert set(body) == {"case"} and body["case"]["number"]
    assert api.get("iot-gw", f"/api/v1/cases/{body['case']['number']}").status_code == 403


def test_a_body_that_is_not_json_is_told_so(api: Api) -> None:
    resp = api.client.post(
        "/api/v1/cases",
        headers={**api._headers("gw01"), "Content-Type": "application/json"},
        data="{category: 02",
    )
    assert resp.status_code == 400
    assert resp.get_json()["fields"] == {"_body": ["request body is not valid JSON"]}
    photos_as_text = api.post(
        "gw01",
        "/api/v1/cases",
        json={"category": "02", "description": "占道", "grid": GRID1, "photos": ["x.exe"]},
    )
    assert photos_as_text.status_code == 400 and "photos" in photos_as_text.get_json()["fields"]


def test_a_supervisor_completes_in_the_holders_place_over_the_api_with_a_reason(api: Api) -> None:
    number = api.report(grid=GRID1)["case"]["number"]
    review = api.task(number, "review")
    body = api.complete("sup01", review["id"], {"decision": "accept"}, status=400)
    assert set(body["fields"]) == {"override_reason"}
    resp = api.post(
        "sup01",
        f"/api/v1/tasks/{review['id']}/complete",
        json={"data": {"decision": "accept"}, "override_reason": "受理员病假，代为受理"},
    )
    assert resp.status_code == 200, resp.get_json()
    moved = [h for h in resp.get_json()["history"] if h["action"] == "moved"]
    assert moved and moved[0]["reason"] == "受理员病假，代为受理"


def test_a_department_head_reads_the_cases_of_the_department(api: Api) -> None:
    ours = api.report(grid=GRID1)["case"]["number"]
    api.step(ours, "review", "cd01", {"decision": "accept"})
    api.step(ours, "dispatch", "cd01", {"department": "dept-cg"})
    theirs = api.report(grid=GRID1)["case"]["number"]
    api.step(theirs, "review", "cd01", {"decision": "accept"})
    api.step(theirs, "dispatch", "cd01", {"department": "dept-sj"})
    assert api.get("head-cg", f"/api/v1/cases/{ours}").status_code == 200
    assert api.get("head-cg", f"/api/v1/cases/{theirs}").status_code == 403
    listed = api.get("head-cg", "/api/v1/cases").get_json()
    assert [c["number"] for c in listed["cases"]] == [ours]
