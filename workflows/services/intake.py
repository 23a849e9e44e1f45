"""Opening cases: the checks on what is reported and the one place a case row and its
process instance are created — by a reporter, a device, a supervisor, or another case's
process (a joint conference, a whistle call-in, a service case after a welfare visit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from engine import instances
from engine.host import Message
from engine.instances import Transition
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import FieldErrors, Phrase, unknown_category
from workflows.domain.nearby import cell
from workflows.domain.org import Unit
from workflows.domain.privacy import is_phone
from workflows.domain.routing import first_review
from workflows.services.context import GridcaseContext


@dataclass(frozen=True)
class NewCase:
    """What a reporter submits."""

    category: str
    description: str
    title: str = ""
    priority: str = "normal"
    channel: str = "grid_worker"
    grid: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    event_code: str | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    # Another system's id of this order: the same id from the same account is one case.
    external_id: str | None = None
    # A resident's tracking link, when the report came from the public page.
    tracking_token: str | None = None


@dataclass(frozen=True)
class Opener:
    """Who opens a case: a person, a device gateway, or ``system`` for a process."""

    username: str
    user_id: int | None = None
    display_name: str = ""


@dataclass(frozen=True)
class Link:
    """How a new case hangs under an existing one."""

    parent: Case
    kind: str


def check_new_case(ctx: GridcaseContext, new: NewCase) -> None:
    """Raises: FieldErrors for a missing description, an unknown category, priority,
    channel or event code, a reporter's phone that is not a phone number."""
    catalog = ctx.catalog
    errors: dict[str, list[str]] = {}
    if len(new.description.strip()) < 2:
        errors["description"] = ["describe what you saw"]
    if new.category not in catalog.categories:
        errors["category"] = [unknown_category(new.category)]
    elif new.priority not in catalog.category(new.category).time_limits:
        errors["priority"] = [
            Phrase("this category has no priority %(priority)s", priority=new.priority)
        ]
    if new.channel not in catalog.channels:
        errors["channel"] = [Phrase("unknown channel %(channel)s", channel=new.channel)]
    problem = catalog.event_code_problem(new.category, new.event_code)
    if problem:
        errors["event_code"] = [problem]
    if new.reporter_phone and not is_phone(new.reporter_phone):
        errors["reporter_phone"] = ["a phone number, digits only"]
    if errors:
        raise FieldErrors(errors)


def locate(ctx: GridcaseContext, new: NewCase, own_grids: Sequence[str] = ()) -> Unit:
    """The grid of a new case: the one named, the one whose boundary holds the coordinates
    (the nearest centre where grids have no boundaries), or the reporter's own.

    Raises:
        FieldErrors: no usable grid, or coordinates outside every grid (name the grid then).
    """
    directory = ctx.directory
    if new.grid:
        if new.grid not in directory or directory.get(new.grid).level != "grid":
            raise FieldErrors({"grid": [Phrase("not a grid: %(unit)s", unit=new.grid)]})
        return directory.get(new.grid)
    if new.lat is not None and new.lon is not None:
        if not directory.has_boundaries:
            return directory.nearest_grid(new.lat, new.lon)
        found = directory.grid_at(new.lat, new.lon)
        if found is None:
            raise FieldErrors({"lat": ["the place lies outside every grid: name the grid"]})
        return found
    own = [u for u in own_grids if u in directory]
    if own:
        return directory.get(own[0])
    raise FieldErrors({"grid": [Phrase("give a grid or coordinates to locate the case")]})


def open_case(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    new: NewCase,
    opener: Opener,
    *,
    grid: Unit,
    review_unit: Unit | None = None,
    forward_to: Unit | None = None,
    process: str | None = None,
    link: Link | None = None,
    device_id: str | None = None,
    start_data: Mapping[str, Any] | None = None,
    message: Message | None = None,
) -> tuple[Case, Transition]:
    """Add the case row and start its process (the category's unless ``process`` is given)
    in the caller's transaction; ``review_unit`` takes it first, and passes it on to
    ``forward_to`` when that is given (a centre that registers). Without ``review_unit``,
    the one door decides both from the grid, the channel and the category."""
    if review_unit is None:
        door = first_review(ctx.directory, ctx.catalog, grid.key, new.channel, new.category)
        review_unit, forward_to = door.unit, door.forward_to
    category = ctx.catalog.category(new.category)
    now = uow.now()
    case = Case(
        number=uow.cases.next_number(now.astimezone(UTC).year),
        process_id=process or category.process,
        stream=category.stream,
        category=category.code,
        event_code=new.event_code,
        priority=new.priority,
        channel=new.channel,
        title=new.title or new.description[:60],
        description=new.description,
        address=new.address,
        lat=new.lat,
        lon=new.lon,
        photos=[],
        grid_key=grid.key,
        street_key=ctx.directory.ancestor_key_at(grid.key, "street"),
        community_key=ctx.directory.ancestor_key_at(grid.key, "community"),
        review_unit_key=review_unit.key,
        reporter_user_id=opener.user_id,
        reporter_name=new.reporter_name or opener.display_name,
        reporter_phone=new.reporter_phone,
        tracking_token=new.tracking_token,
        parent_id=link.parent.id if link else None,
        link_kind=link.kind if link else None,
        device_id=device_id,
        geo_cell=cell(new.lat, new.lon) if new.lat is not None and new.lon is not None else None,
        external_source=opener.username if new.external_id else None,
        external_id=new.external_id,
        created_at=now,
        updated_at=now,
    )
    uow.cases.add(case)
    data = {
        "case_id": case.id,
        "case_number": case.number,
        "parent_number": link.parent.number if link else None,
        "category": case.category,
        "event_code": case.event_code,
        "priority": case.priority,
        "grid": grid.key,
        "review_unit": review_unit.key,
        # Where a centre that only registers the case sends it for review ('' if none).
        "forward_to": forward_to.key if forward_to else "",
        "reporter_user": opener.username if opener.user_id else None,
        "return_count": 0,
        "rework_count": 0,
        "escalation_count": 0,
        "invited": None,
        **(start_data or {}),
    }
    transition = instances.start_instance(
        uow, ctx.runtime, case.process_id, case.number, data, opener.username, message
    )
    case.instance_id = transition.instance.id
    return case, transition
