"""Checking and deploying a BPMN file over HTTP (what the browser modeler calls)."""

from __future__ import annotations

from pathlib import Path

from tests.app_fixtures import Api

XML = (Path(__file__).resolve().parents[2] / "bpmn" / "closed_loop.bpmn").read_text("utf-8")


def _post(api: Api, xml: str, deploy: bool, user: str = "designer", name="closed_loop.bpmn"):
    body = {"file_name": name, "xml": xml, "deploy": deploy}
    return api.post(user, "/api/v1/processes", json=body)


def test_check_deploy_and_refuse_with_problems_by_element(api: Api) -> None:
    checked = _post(api, XML, deploy=False)
    assert checked.status_code == 200
    assert checked.get_json() == {
        "process_id": "closed_loop",
        "deployed": False,
        "created": False,
        "version": None,
    }

    broken = XML.replace("step_warning('review', category)<", "step_warning('review', <", 1)
    refused = _post(api, broken, deploy=True)
    assert refused.status_code == 422
    problem = refused.get_json()["problems"][0]
    assert problem["element_id"] == "review_warning" and problem["line"] > 1
    assert problem["message"].startswith("timer timeDate: ")  # the API's English
    assert problem["said"].startswith("计时器 timeDate：")  # for the designer's page

    lane = XML.replace('name="grid_worker"', 'name="grid_wrker"', 1)
    [said] = [p["said"] for p in _post(api, lane, deploy=False).get_json()["problems"]]
    assert said.startswith("泳道 'grid_wrker' 不是已知角色")

    assert _post(api, XML, deploy=True, user="cd01").status_code == 403
    assert _post(api, XML, deploy=True, name="../x.bpmn").status_code == 400
    assert _post(api, "<not-xml", deploy=True).status_code == 422

    unchanged = _post(api, XML, deploy=True)
    assert unchanged.status_code == 200 and unchanged.get_json()["version"]["version"] == 1
    created = _post(api, XML.replace("</bpmn:definitions>", "<!-- v2 --></bpmn:definitions>"), True)
    assert created.status_code == 201
    assert created.get_json()["version"]["version"] == 2
    assert created.get_json()["version"]["deployed_by"] == "designer"
