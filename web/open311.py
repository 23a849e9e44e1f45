"""Open311 GeoReport v2 at ``/open311/v2/`` (DOMAIN §6): every resource as ``.json`` and
``.xml``, errors in the specification's shape, ``jurisdiction_id`` accepted (this endpoint
serves one jurisdiction: the district; another one is 404)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from web.i18n import localized
from web.labels import STATUS
from web.security import context
from workflows.domain.errors import (
    AuthenticationError,
    FieldErrors,
    ForbiddenError,
    GridcaseError,
    NotFoundError,
)
from workflows.domain.statuses import OPEN311_STATUS
from workflows.services import accounts, open311

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = {"json": "application/json", "xml": "text/xml"}
ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
CHANGESET = "2026-11-29T00:00:00+08:00"

Body = Mapping[str, Any] | Sequence[Any]


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, localized(f"{fmt}: formats are json and xml"))
    return fmt


def _args() -> dict[str, str]:
    """Query and form arguments; an empty optional argument is as if absent."""
    found = {**request.args.to_dict(), **request.form.to_dict()}
    return {k: v for k, v in found.items() if v.strip()}


def _jurisdiction() -> None:
    asked = _args().get("jurisdiction_id")
    ours = open311.jurisdiction(context())
    if asked is not None and asked != ours:
        raise Open311Error(404, localized(f"jurisdiction_id {asked}: not served here"))


def _answer(fmt: str, root: str, item: str, body: Body, status: int = 200) -> Response:
    if fmt == "json":
        response = jsonify(body)
    else:
        response = Response(_xml(root, item, body), mimetype=FORMATS["xml"])
    response.status_code = status
    return response


def _xml(root: str, item: str, body: Body) -> bytes:
    top = ET.Element(root)
    if isinstance(body, Mapping):
        _fill(top, body)
    else:
        for entry in body:
            _fill(ET.SubElement(top, item), entry)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


# How a list inside an XML element names its members.
MEMBERS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list | tuple):
        member = MEMBERS.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, member), inner)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


@bp.errorhandler(Open311Error)
def _spec_error(err: Open311Error) -> Response:
    fmt = request.view_args.get("fmt", "xml") if request.view_args else "xml"
    body = [{"code": err.code, "description": err.description}]
    return _answer(fmt if fmt in FORMATS else "xml", "errors", "error", body, err.code)


@bp.errorhandler(GridcaseError)
def _service_error(err: GridcaseError) -> Response:
    if isinstance(err, FieldErrors):
        described = "; ".join(
            f"{name}: {', '.join(localized(m) for m in messages)}"
            for name, messages in err.fields.items()
        )
        return _spec_error(Open311Error(400, described))
    code = 404 if isinstance(err, NotFoundError) else 400
    if isinstance(err, AuthenticationError | ForbiddenError):
        code = 403
    return _spec_error(Open311Error(code, localized(str(err))))


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    return _spec_error(Open311Error(err.code or 400, err.description or err.name))


def _w3c(at: datetime | None) -> str | None:
    return at.astimezone(context().calendar.timezone).isoformat() if at else None


def _when(name: str) -> datetime | None:
    text = _args().get(name)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, localized(f"{name}: a W3C datetime, e.g. 2026-01-01T00:00:00Z")
        ) from None
    if parsed.tzinfo is None:
        raise Open311Error(400, localized(f"{name}: give the time zone"))
    return parsed


def _service(s: open311.Service) -> dict[str, Any]:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": bool(s.attributes),
        "type": "realtime",
        "keywords": ",".join(s.keywords),
        "group": s.group,
    }


def _request(case: Any) -> dict[str, Any]:
    ctx = context()
    directory = ctx.directory
    code = case.event_code or case.category
    responsible = case.department_key or case.review_unit_key
    return {
        "service_request_id": case.number,
        "status": OPEN311_STATUS.get(case.status, "open"),
        "status_notes": str(STATUS.get(case.status, case.status)),
        "service_name": _service_name(code),
        "service_code": code,
        "description": case.description,
        "agency_responsible": directory.get(responsible).name_zh
        if responsible in directory
        else "",
        "service_notice": "",
        "requested_datetime": _w3c(case.created_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(case.deadline),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": "",
    }


def _service_name(code: str) -> str:
    catalog = context().catalog
    if code in catalog.subclasses:
        return str(catalog.subclasses[code]["name_zh"])
    return catalog.category(code).name_zh if code in catalog.categories else code


def _route(path: str, **options: Any) -> Callable:
    return bp.route(path + ".<fmt>", **options)


@_route("/discovery")
def discovery(fmt: str) -> Response:
    _fmt(fmt)
    base = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0]
    body = {
        "changeset": CHANGESET,
        "contact": "网格化服务管理中心",
        "key_service": "API 密钥即 gridcase 的接口令牌：由管理员为接入系统的账号签发",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }
    return _answer(fmt, "discovery", "endpoint", body)


@_route("/services")
def services(fmt: str) -> Response:
    _fmt(fmt)
    _jurisdiction()
    body = [_service(s) for s in open311.services(context())]
    return _answer(fmt, "services", "service", body)


@_route("/services/<code>")
def service_definition(code: str, fmt: str) -> Response:
    _fmt(fmt)
    _jurisdiction()
    found = open311.service(context(), code)
    body = {
        "service_code": found.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for a in found.attributes
        ],
    }
    return _answer(fmt, "service_definition", "attribute", body)


@_route("/requests", methods=["POST"])
def post_request(fmt: str) -> Response:
    _fmt(fmt)
    _jurisdiction()
    args = _args()
    key = args.get("api_key")
    if key is None:
        raise Open311Error(403, localized("api_key is required"))
    try:
        actor = accounts.actor_for_token(context(), key)
    except AuthenticationError as err:
        raise Open311Error(403, localized("invalid api_key")) from err
    if "service_code" not in args:
        raise Open311Error(400, localized("service_code is required"))
    posted = open311.PostedRequest(
        service_code=args["service_code"],
        lat=_number(args, "lat"),
        long=_number(args, "long"),
        address_string=args.get("address_string", ""),
        address_id=args.get("address_id", ""),
        description=args.get("description", ""),
        first_name=args.get("first_name", ""),
        last_name=args.get("last_name", ""),
        phone=args.get("phone", ""),
        email=args.get("email", ""),
        device_id=args.get("device_id", ""),
        account_id=args.get("account_id", ""),
        media_url=args.get("media_url", ""),
        attributes=_attributes(),
    )
    detail = open311.post_request(context(), actor, posted)
    body = [
        {
            "service_request_id": detail.case.number,
            "service_notice": _notice(detail.case),
            "account_id": posted.account_id or None,
        }
    ]
    return _answer(fmt, "service_requests", "request", body, 201)


def _notice(case: Any) -> str:
    if case.deadline is None:
        return "已受理，待审核后派遣处置"
    return f"已受理，应于 {_w3c(case.deadline)} 前处置完毕"


def _number(args: Mapping[str, str], name: str) -> float | None:
    if name not in args:
        return None
    try:
        return float(args[name])
    except ValueError:
        raise Open311Error(400, localized(f"{name}: a number")) from None


def _attributes() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, values in {
        **request.args.to_dict(flat=False),
        **request.form.to_dict(flat=False),
    }.items():
        matched = ATTRIBUTE.match(name)
        if matched and any(v.strip() for v in values):
            found[matched.group(1)] = ",".join(v for v in values if v.strip())
    return found


@_route("/requests")
def get_requests(fmt: str) -> Response:
    _fmt(fmt)
    _jurisdiction()
    args = _args()

    def listed(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in args.get(name, "").split(",") if v.strip())

    query = open311.RequestQuery(
        ids=listed("service_request_id"),
        service_codes=listed("service_code"),
        start=_when("start_date"),
        end=_when("end_date"),
        statuses=listed("status"),
    )
    body = [_request(c) for c in open311.find_requests(context(), query)]
    return _answer(fmt, "service_requests", "request", body)


@_route("/requests/<number>")
def get_request(number: str, fmt: str) -> Response:
    _fmt(fmt)
    _jurisdiction()
    body = [_request(open311.find_request(context(), number))]
    return _answer(fmt, "service_requests", "request", body)


@_route("/tokens/<token>")
def token(token: str, fmt: str) -> Response:
    """Requests get their id at once; a token is that id."""
    _fmt(fmt)
    _jurisdiction()
    found = open311.find_request(context(), token)
    body = [{"service_request_id": found.number, "token": token}]
    return _answer(fmt, "service_requests", "request", body)
