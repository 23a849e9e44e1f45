"""Open311 GeoReport v2 (DOMAIN §6): the catalog as services, cases as service requests.

Services are the catalog's categories (two-digit codes) and event codes (four digits, in
their category's group). A posted request is reported like any other case (channel
``open311``) by the account whose API token came as ``api_key``. The public listing shows
the cases of the closed loop outside the disputes stream — mediation and welfare cases are
people's private matters — and never a reporter's name or phone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from workflows.adapters.models import Case
from workflows.domain.errors import FieldErrors, NotFoundError
from workflows.domain.permissions import Actor
from workflows.domain.statuses import OPEN311_STATUS
from workflows.services import cases
from workflows.services.context import GridcaseContext
from workflows.services.intake import NewCase

PUBLIC_PROCESSES = ("closed_loop",)
PRIVATE_STREAMS = ("disputes",)
# Cases about one household's welfare: a care visit's finding, a device alert's service case.
PRIVATE_CHANNELS = ("care_visit", "sensor")
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
HTML = re.compile(r"<[a-zA-Z/!][^>]*>")


@dataclass(frozen=True)
class Value:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    order: int
    datatype_description: str = ""
    values: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...] = ()
    attributes: tuple[Attribute, ...] = field(default=(), compare=False)


def jurisdiction(ctx: GridcaseContext) -> str:
    """The one jurisdiction this endpoint serves: the top unit of the org tree."""
    return ctx.directory.all()[0].key


def services(ctx: GridcaseContext) -> list[Service]:
    """Every category and event code a request may name, categories first."""
    catalog = ctx.catalog
    found: list[Service] = []
    attributes = _attributes(ctx)
    for category in catalog.categories.values():
        if category.process not in PUBLIC_PROCESSES:
            continue
        found.append(
            Service(
                category.code,
                category.name_zh,
                f"{category.name_zh}（{category.name_en}）",
                category.name_zh,
                category.keywords,
                attributes,
            )
        )
    for code, sub in catalog.subclasses.items():
        category = catalog.categories.get(sub["category"])
        if category is None or category.process not in PUBLIC_PROCESSES:
            continue
        found.append(
            Service(
                code,
                sub["name_zh"],
                f"{sub['name_zh']}（{sub['name_en']}）",
                category.name_zh,
                (),
                attributes,
            )
        )
    return found


def service(ctx: GridcaseContext, code: str) -> Service:
    """Raises: NotFoundError for a code that names no service."""
    found = next((s for s in services(ctx) if s.code == code), None)
    if found is None:
        raise NotFoundError(f"service_code {code}: no such service")
    return found


def _attributes(ctx: GridcaseContext) -> tuple[Attribute, ...]:
    """What a request may add: its priority, and the grid when the place is an address."""
    priorities = tuple(Value(code, p["name_zh"]) for code, p in ctx.catalog.priorities.items())
    grids = tuple(Value(g.key, g.name_zh) for g in ctx.directory.grids())
    return (
        Attribute(
            "priority", "singlevaluelist", False, "紧急程度（默认：一般）", 1, values=priorities
        ),
        Attribute(
            "grid",
            "singlevaluelist",
            False,
            "所在网格：只给地址（address_string）时必填",
            2,
            "15 位单元网格编码",
            grids,
        ),
    )


@dataclass(frozen=True)
class PostedRequest:
    """A ``POST requests`` as sent (form fields; empty strings already dropped)."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def post_request(ctx: GridcaseContext, actor: Actor, posted: PostedRequest) -> cases.CaseDetail:
    """Report the request as a case of channel ``open311``.

    Raises:
        NotFoundError: the service code names no service.
        FieldErrors: no location, an address without a grid, HTML in the description, an
            unknown priority …, each under the spec's field name.
    """
    chosen = service(ctx, posted.service_code)
    errors: dict[str, list[str]] = {}
    located = posted.lat is not None and posted.long is not None
    if not located and not posted.address_string:
        errors["lat"] = ["give a location: lat and long, or address_string"]
        if posted.address_id:
            errors["address_id"] = ["address ids are not known here: send lat and long"]
    grid = posted.attributes.get("grid") or None
    if not located and posted.address_string and not grid:
        errors["attribute[grid]"] = ["an address_string needs attribute[grid]"]
    if HTML.search(posted.description):
        errors["description"] = ["plain text only: no HTML"]
    if len(posted.description) > 4000:
        errors["description"] = ["at most 4000 characters"]
    if errors:
        raise FieldErrors(errors)
    is_event = chosen.code in ctx.catalog.subclasses
    category = ctx.catalog.subclasses[chosen.code]["category"] if is_event else chosen.code
    text = posted.description or chosen.name
    if posted.media_url:
        text = f"{text}\n图片：{posted.media_url}"
    new = NewCase(
        category=category,
        description=text,
        priority=posted.attributes.get("priority") or "normal",
        channel="open311",
        grid=grid,
        lat=posted.lat,
        lon=posted.long,
        address=posted.address_string,
        event_code=chosen.code if is_event else None,
        reporter_name=f"{posted.last_name}{posted.first_name}",
        reporter_phone=posted.phone,
    )
    return cases.report_case(ctx, actor, new)


@dataclass(frozen=True)
class RequestQuery:
    """``GET requests``: ids override everything else; otherwise codes, dates, statuses."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()


def find_requests(ctx: GridcaseContext, query: RequestQuery) -> Sequence[Case]:
    """The public cases that match, newest first, at most 1,000.

    Raises:
        FieldErrors: an unknown status, a reversed range or one over 90 days.
    """
    with ctx.uow() as uow:
        if query.ids:
            return uow.cases.public(
                PUBLIC_PROCESSES,
                PRIVATE_STREAMS,
                private_channels=PRIVATE_CHANNELS,
                numbers=query.ids,
                limit=MAX_REQUESTS,
            )
        unknown = [s for s in query.statuses if s not in ("open", "closed")]
        if unknown:
            raise FieldErrors({"status": ["open or closed"]})
        end = query.end or (query.start + timedelta(days=DEFAULT_DAYS) if query.start else None)
        end = end or ctx.clock.now()
        start = query.start or end - timedelta(days=DEFAULT_DAYS)
        if end < start:
            raise FieldErrors({"end_date": ["before start_date"]})
        if end - start > timedelta(days=DEFAULT_DAYS):
            raise FieldErrors({"end_date": ["the range may not span more than 90 days"]})
        statuses = [s for s, o in OPEN311_STATUS.items() if o in query.statuses]
        codes = query.service_codes
        return uow.cases.public(
            PUBLIC_PROCESSES,
            PRIVATE_STREAMS,
            private_channels=PRIVATE_CHANNELS,
            categories=[c for c in codes if len(c) == 2],
            event_codes=[c for c in codes if len(c) != 2],
            start=start,
            end=end,
            statuses=statuses if query.statuses else None,
            limit=MAX_REQUESTS,
        )


def find_request(ctx: GridcaseContext, number: str) -> Case:
    """Raises: NotFoundError for a number that is no public case."""
    found = find_requests(ctx, RequestQuery(ids=(number,)))
    if not found:
        raise NotFoundError(f"service_request_id {number}: no such request")
    return found[0]
