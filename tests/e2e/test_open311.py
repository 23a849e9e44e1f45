"""Open311 GeoReport v2 through a client library from PyPI (``georeport``, unchanged) and
plain form posts, against a real HTTP server: services, definitions, requests posted and
read back in JSON and XML, tokens, discovery, and every error the specification lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import xmltodict
from georeport import GeoReport

from tests.app_fixtures import Api
from tests.browser import serving
from workflows.services.accounts import issue_token

GRID = "339901001001001"
DISTRICT_ROOT_PARAM = "jurisdiction_id"


@pytest.fixture
def base(api: Api) -> Iterator[str]:
    with serving(api.client.application) as url:
        yield f"{url}/open311/v2"


def _key(api: Api) -> str:
    return issue_token(api.ctx, "hotline-sys", "open311")


def _post(base: str, fmt: str = "json", **form: str) -> requests.Response:
    return requests.post(f"{base}/requests.{fmt}", data=form, timeout=30)


def _place(api: Api) -> dict[str, str]:
    grid = api.ctx.directory.get(GRID)
    return {"lat": str(grid.lat), "long": str(grid.lon)}


def test_services_and_definitions_through_the_client(api: Api, base: str) -> None:
    as_json, as_xml = GeoReport(base), GeoReport(base, output_format="xml")
    listed = {s["service_code"]: s for s in as_json.get_service_list()}
    assert listed["02"]["service_name"] == "城市管理"
    assert listed["0102"]["group"] == "城市管理" and listed["0102"]["metadata"] is True
    assert listed["0102"]["type"] == "realtime"
    assert {s["service_code"] for s in as_xml.get_service_list()} == set(listed)
    assert "15" not in listed  # mediation of disputes is no public service

    definition = as_json.get_service_definition("0102")
    codes = {a["code"]: a for a in definition["attributes"]}
    assert codes["priority"]["datatype"] == "singlevaluelist"
    assert {v["key"] for v in codes["priority"]["values"]} == {"urgent", "important", "normal"}
    assert GRID in {v["key"] for v in codes["grid"]["values"]}
    xml = as_xml.get_service_definition("0102")
    assert xml["service_code"] == "0102"
    assert [a["code"] for a in xml["attributes"]["attribute"]] == ["priority", "grid"]

    discovery = requests.get(f"{base}/discovery.json", timeout=30).json()
    assert discovery["endpoints"][0]["url"] == base
    assert "text/xml" in discovery["endpoints"][0]["formats"]
    parsed = xmltodict.parse(requests.get(f"{base}/discovery.xml", timeout=30).content)
    assert parsed["discovery"]["endpoints"]["endpoint"]["url"] == base


def test_post_and_read_back_in_both_formats(api: Api, base: str) -> None:
    key = _key(api)
    posted = _post(
        base,
        api_key=key,
        service_code="0102",
        description="小区东门暴露垃圾",
        first_name="女士",
        last_name="王",
        phone="13800002222",
        email="",  # empty: as if absent
        **{"attribute[priority]": "urgent"},
        **_place(api),
    )
    assert posted.status_code == 201, posted.text
    first = posted.json()[0]["service_request_id"]
    assert posted.json()[0]["service_notice"]

    by_address = _post(
        base,
        "xml",
        api_key=key,
        service_code="02",
        address_string="东湖街道幸福路12号",
        description="人行道占道经营",
        **{"attribute[grid]": GRID},
    )
    assert by_address.status_code == 201, by_address.text
    second = xmltodict.parse(by_address.content)["service_requests"]["request"][
        "service_request_id"
    ]

    client, xml_client = GeoReport(base), GeoReport(base, output_format="xml")
    one = client.get_service_request(first)
    assert (one["status"], one["service_code"], one["service_name"]) == ("open", "0102", "暴露垃圾")
    assert one["requested_datetime"].endswith("+08:00")
    assert "王" not in str(one) and "13800002222" not in str(one)
    assert xml_client.get_service_request(second)["address"] == "东湖街道幸福路12号"

    listed = {r["service_request_id"] for r in client.get_service_requests(status="open")}
    assert {first, second} <= listed
    only_0102 = client.get_service_requests(service_code="0102")
    assert [r["service_request_id"] for r in only_0102] == [first]
    both = client.get_service_requests(service_request_id=f"{first},{second}", status="closed")
    assert {r["service_request_id"] for r in both} == {first, second}  # ids override
    assert client.get_service_requests(status="closed") == []
    xml_listed = xml_client.get_service_requests(service_request_id=f"{first},{second}")
    assert {r["service_request_id"] for r in xml_listed} == {first, second}

    token = requests.get(f"{base}/tokens/{first}.json", timeout=30).json()
    assert token == [{"service_request_id": first, "token": first}]

    # The case is an ordinary case of the Open311 channel, reviewed by its community.
    case = api.case(first)["case"]
    assert (case["channel"], case["priority"], case["event_code"]) == ("open311", "urgent", "0102")


def _error(resp: requests.Response, code: int) -> str:
    assert resp.status_code == code, resp.text
    if resp.headers["Content-Type"].startswith("text/xml"):
        error = xmltodict.parse(resp.content)["errors"]["error"]
    else:
        error = resp.json()[0]
    assert int(error["code"]) == code
    return error["description"]


def test_every_error_in_the_specifications_shape(api: Api, base: str) -> None:
    key, place = _key(api), _place(api)
    assert _error(_post(base, service_code="02", **place), 403) == "缺少 api_key"  # Chinese first
    _error(_post(base, "xml", api_key="wrong", service_code="02", **place), 403)
    _error(_post(base, api_key=key, service_code="9999", **place), 404)
    _error(_post(base, api_key=key, **place), 400)  # no service_code
    assert "lat" in _error(_post(base, api_key=key, service_code="02"), 400)
    assert "grid" in _error(_post(base, api_key=key, service_code="02", address_string="某路"), 400)
    html = "<script>alert(1)</script>"
    _error(_post(base, api_key=key, service_code="02", description=html, **place), 400)
    _error(_post(base, api_key=key, service_code="02", lat="north", long="1"), 400)
    outside = {"lat": "10.0", "long": "10.0"}
    _error(_post(base, "xml", api_key=key, service_code="02", **outside), 400)

    get = lambda path, **q: requests.get(f"{base}/{path}", params=q, timeout=30)  # noqa: E731
    _error(get("requests/2030-999999.json"), 404)
    _error(get("services/77.xml"), 404)
    _error(get("services.yaml"), 404)
    _error(get("services.json", **{DISTRICT_ROOT_PARAM: "elsewhere"}), 404)
    assert get("services.json", **{DISTRICT_ROOT_PARAM: api.ctx.directory.all()[0].key}).ok
    _error(get("requests.json", start_date="yesterday"), 400)
    _error(get("requests.json", start_date="2030-01-01T00:00:00"), 400)  # no zone
    _error(
        get("requests.json", start_date="2030-01-01T00:00:00Z", end_date="2030-06-01T00:00:00Z"),
        400,
    )
    _error(get("requests.xml", status="pending"), 400)
    with pytest.raises(requests.HTTPError):
        GeoReport(base).get_service_request("2030-999999")


def test_disputes_stay_private(api: Api, base: str) -> None:
    dispute = api.report(category="15", description="邻里噪音纠纷，双方争执", grid=GRID)
    number = dispute["case"]["number"]
    _error(requests.get(f"{base}/requests/{number}.json", timeout=30), 404)
    assert number not in {r["service_request_id"] for r in GeoReport(base).get_service_requests()}
