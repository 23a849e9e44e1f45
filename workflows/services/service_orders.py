"""The volunteer order pool (社区点单·党员接单): a community or street posts an order, party
members of the district claim its places and withdraw before the deadline, the street's
party office takes an order nobody filled, and the poster confirms who served.

Each order runs a ``service_order`` process (business key ``order-<id>``) that drives its
timers and its two tasks; the claims are rows of this module, which tells the process when
the order becomes full (``order_filled``) and when a withdrawal opens a place again
(``order_reopened``). Every function is one transaction; pages, API and CLI call these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine import instances
from engine.host import Message
from engine.instances import Transition
from engine.models import TaskRecord
from workflows.adapters.models import User
from workflows.adapters.order_models import OrderClaim, ServiceOrder, VolunteerProfile
from workflows.adapters.order_repository import KEY_PREFIX
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import Recipient
from workflows.domain.errors import ConflictError, FieldErrors, ForbiddenError, Phrase
from workflows.domain.org import Unit
from workflows.domain.permissions import CLAIM_ORDERS, POST_ORDERS, Actor
from workflows.domain.service_orders import (
    CLAIMABLE,
    OrderDraft,
    Place,
    draft_problems,
    hours_problem,
    pool_rank,
    service_hours,
)
from workflows.services import attachments
from workflows.services.attachments import Upload
from workflows.services.case_progress import schedule
from workflows.services.context import GridcaseContext
from workflows.services.notifications import notify

PROCESS = "service_order"
POSTING_LEVELS = ("community", "street")
VOLUNTEER = "volunteer"


@dataclass(frozen=True)
class PoolItem:
    """An order in a member's pool: how near it is (0 their community, 1 their street,
    2 the rest of the district) and whether they hold a place on it."""

    order: ServiceOrder
    tier: int
    mine: bool


@dataclass
class OrderView:
    """An order as the viewer may see it: the members on it only for those who manage it
    (the poster's side) — a member sees the order and their own place."""

    order: ServiceOrder
    manages: bool
    my_claim: OrderClaim | None = None
    members: list[tuple[OrderClaim, User]] = field(default_factory=list)
    tasks: list[TaskRecord] = field(default_factory=list)
    may_claim: bool = False
    may_withdraw: bool = False
    claims_open: bool = False

    def task(self, element_id: str) -> TaskRecord | None:
        return next((t for t in self.tasks if t.element_id == element_id), None)


@dataclass(frozen=True)
class MemberResult:
    """What the poster confirms of one member's place."""

    claim_id: int
    served: bool
    hours: float | None = None
    comment: str = ""


# Posting ---------------------------------------------------------------------------------
def posting_units(ctx: GridcaseContext, actor: Actor) -> list[Unit]:
    """The communities and streets the actor may post orders for."""
    found = {}
    for unit in ctx.permissions.units(actor, POST_ORDERS):
        for u in ctx.directory.all():
            if u.path.startswith(unit.path) and u.level in POSTING_LEVELS and not u.is_department:
                found[u.key] = u
    return sorted(found.values(), key=lambda u: u.path)


def post_order(
    ctx: GridcaseContext, actor: Actor, draft: OrderDraft, unit_key: str | None = None
) -> ServiceOrder:
    """Post an order for a community or street (the actor's own when they post for one)
    and start its process.

    Raises:
        ForbiddenError: the actor may not post orders for the unit.
        FieldErrors: what the draft lacks (``unit`` when no unit can be told).
    """
    units = posting_units(ctx, actor)
    if not units:
        raise ForbiddenError(Phrase("you may not post volunteer orders"))
    unit = _posting_unit(ctx, actor, units, unit_key)
    now = ctx.clock.now()
    errors = draft_problems(ctx.catalog.service_orders, draft, now)
    if errors:
        raise FieldErrors(errors)
    assert draft.starts_at and draft.ends_at and draft.claim_deadline and draft.needed
    rules = ctx.catalog.service_orders
    with ctx.uow() as uow:
        order = ServiceOrder(
            kind=draft.kind,
            title=draft.title.strip(),
            description=draft.description.strip(),
            address=draft.address.strip(),
            lat=draft.lat,
            lon=draft.lon,
            unit_key=unit.key,
            street_key=ctx.directory.ancestor_at(unit.key, "street").key,
            district_key=ctx.directory.ancestor_at(unit.key, "district").key,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            needed=draft.needed,
            claimed=0,
            claim_deadline=draft.claim_deadline,
            escalate_at=rules.escalate_at(uow.now(), draft.claim_deadline),
            stage="open",
            posted_by=actor.username,
            created_at=uow.now(),
        )
        uow.orders.add(order)
        start = {
            "order_id": order.id,
            "title": order.title,
            "poster_unit": order.unit_key,
            "street_unit": order.street_key,
            "escalate_at": order.escalate_at.isoformat(),
            "claim_deadline": order.claim_deadline.isoformat(),
            "service_ends_at": order.ends_at.isoformat(),
        }
        key = f"{KEY_PREFIX}{order.id}"
        transition = instances.start_instance(uow, ctx.runtime, PROCESS, key, start, actor.username)
        order.instance_id = transition.instance.id
        settle(ctx, uow, transition)
        uow.commit()
        return order


def _posting_unit(
    ctx: GridcaseContext, actor: Actor, units: Sequence[Unit], unit_key: str | None
) -> Unit:
    if unit_key:
        if unit_key not in ctx.directory or unit_key not in {u.key for u in units}:
            raise ForbiddenError(Phrase("you may not post volunteer orders for this unit"))
        return ctx.directory.get(unit_key)
    posting = {x.key for x in units}
    capabilities = ctx.catalog.capabilities
    held = [
        ctx.directory.get(u)
        for r, u in actor.grants
        if u in posting and POST_ORDERS in capabilities.get(r, ())
    ]
    if len(held) == 1:
        return held[0]
    if len(units) == 1:
        return units[0]
    raise FieldErrors({"unit": [Phrase("choose the community or street posting the order")]})


# The pool and one order ------------------------------------------------------------------
def member_profile(ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor) -> VolunteerProfile:
    """The actor's volunteer profile, made from their volunteer grant on first use.

    Raises:
        ForbiddenError: the actor claims no orders (holds no volunteer role).
    """
    homes = [u.key for u in ctx.permissions.units(actor, CLAIM_ORDERS)]
    if not homes:
        raise ForbiddenError(Phrase("only party-member volunteers claim orders"))
    profile = uow.orders.profile_of(actor.user_id)
    if profile is None:
        now = uow.now()
        profile = VolunteerProfile(
            user_id=actor.user_id,
            home_unit_key=homes[0],
            branch="",
            phone="",
            created_at=now,
            updated_at=now,
        )
        uow.orders.add_profile(profile)
    return profile


def _home_place(ctx: GridcaseContext, unit_key: str) -> Place:
    unit = ctx.directory.get(unit_key)
    directory = ctx.directory
    return Place(
        directory.ancestor_key_at(unit_key, "community"),
        directory.ancestor_key_at(unit_key, "street"),
        unit.lat,
        unit.lon,
    )


def _order_place(ctx: GridcaseContext, order: ServiceOrder) -> Place:
    community = ctx.directory.ancestor_key_at(order.unit_key, "community")
    unit = ctx.directory.get(order.unit_key)
    lat, lon = (order.lat, order.lon) if order.lat is not None else (unit.lat, unit.lon)
    return Place(community, order.street_key, lat, lon)


def pool(ctx: GridcaseContext, actor: Actor) -> list[PoolItem]:
    """The orders a member may sign up for, and those they hold a place on: their home
    community's first, then their street's, then the district's (nearest first)."""
    with ctx.uow() as uow:
        profile = member_profile(ctx, uow, actor)
        home = _home_place(ctx, profile.home_unit_key)
        district = ctx.directory.ancestor_at(profile.home_unit_key, "district").key
        mine = uow.orders.claimed_order_ids(profile.id)
        found = {o.id: o for o in uow.orders.open_in(district, uow.now())}
        for order_id in mine - set(found):
            order = uow.orders.get(order_id)
            if order.stage != "done":
                found[order_id] = order
        uow.commit()  # a first visit keeps the profile made from the grant
    ranked = sorted(
        found.values(),
        key=lambda o: (o.id not in mine, *pool_rank(home, _order_place(ctx, o)), o.starts_at),
    )
    return [PoolItem(o, pool_rank(home, _order_place(ctx, o))[0], o.id in mine) for o in ranked]


def manages(ctx: GridcaseContext, actor: Actor, order: ServiceOrder) -> bool:
    """The poster's side: whoever may post orders for the order's unit (its community, the
    street's party office above it)."""
    return ctx.permissions.covers(actor, POST_ORDERS, order.unit_key)


def _may_view(ctx: GridcaseContext, actor: Actor, order: ServiceOrder) -> bool:
    """The poster's side, or a member living in the order's district."""
    if manages(ctx, actor, order):
        return True
    homes = ctx.permissions.units(actor, CLAIM_ORDERS)
    directory = ctx.directory
    return any(directory.ancestor_key_at(u.key, "district") == order.district_key for u in homes)


def view(ctx: GridcaseContext, actor: Actor, order_id: int) -> OrderView:
    """One order with what the viewer may see and do.

    Raises:
        NotFoundError: no such order.
        ForbiddenError: neither a member of its district nor its poster's side.
    """
    with ctx.uow() as uow:
        order = uow.orders.get(order_id)
        return _view(ctx, uow, actor, order)


def _view(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, order: ServiceOrder
) -> OrderView:
    if not _may_view(ctx, actor, order):
        raise ForbiddenError(Phrase("you may not see this order"))
    now = uow.now()
    result = OrderView(order, manages(ctx, actor, order))
    result.claims_open = order.stage in CLAIMABLE and order.claim_deadline > now
    if ctx.permissions.has(actor, CLAIM_ORDERS):
        profile = uow.orders.profile_of(actor.user_id)
        mine = uow.orders.claim_of(order.id, profile.id) if profile else None
        result.my_claim = mine
        holds = mine is not None and mine.state == "claimed"
        result.may_withdraw = holds and result.claims_open
        result.may_claim = not holds and result.claims_open and not order.full
    if result.manages:
        result.members = uow.orders.claims(order.id, live_only=True)
    if order.instance_id is not None:
        result.tasks = [
            t
            for t in uow.tasks.ready_for_instance(order.instance_id)
            if ctx.permissions.may_work(actor, t)
        ]
    return result


@dataclass(frozen=True)
class Step:
    """An order step waiting for the viewer (confirm a service, arrange people)."""

    task: TaskRecord
    order: ServiceOrder


def managed(ctx: GridcaseContext, actor: Actor) -> tuple[list[ServiceOrder], list[Step]]:
    """The orders posted under the units the actor posts for (newest first), and the
    order steps waiting for the actor: services to confirm, orders to arrange people for.

    Raises:
        ForbiddenError: the actor posts no orders.
    """
    units = ctx.permissions.units(actor, POST_ORDERS)
    if not units:
        raise ForbiddenError(Phrase("you may not post volunteer orders"))
    with ctx.uow() as uow:
        orders = uow.orders.posted_under([u.path for u in units])
        steps = [
            Step(t, uow.orders.by_instance(t.instance_id))
            for t in uow.orders.tasks_for(actor.grants)
        ]
        return orders, steps


def waiting_steps(ctx: GridcaseContext, actor: Actor) -> int:
    """How many order steps wait for the actor (for a badge)."""
    if not ctx.permissions.has(actor, POST_ORDERS):
        return 0
    with ctx.uow() as uow:
        return len(uow.orders.tasks_for(actor.grants))


# Claims ----------------------------------------------------------------------------------
def claim(ctx: GridcaseContext, actor: Actor, order_id: int) -> OrderView:
    """Take a place on an order. Exactly one of several members taking the last place at
    once gets it.

    Raises:
        ForbiddenError: not a volunteer, or the order is of another district.
        ConflictError: already signed up, the order is full (名额已满), or sign-up closed.
    """
    with ctx.uow() as uow:
        profile = member_profile(ctx, uow, actor)
        order = uow.orders.get(order_id)
        home_district = ctx.directory.ancestor_key_at(profile.home_unit_key, "district")
        if order.district_key != home_district:
            raise ForbiddenError(Phrase("you may claim only orders of your own district"))
        now = uow.now()
        if order.stage not in CLAIMABLE or order.claim_deadline <= now:
            raise ConflictError(Phrase("sign-up for this order has closed"))
        existing = uow.orders.claim_of(order.id, profile.id)
        again = existing is not None and uow.orders.switch_claim(
            existing, "withdrawn", "claimed", now
        )
        if existing is not None and not again:
            raise ConflictError(Phrase("you have already signed up for this order"))
        if not uow.orders.take_place(order.id, now):
            if order.stage not in CLAIMABLE or order.claim_deadline <= now:
                raise ConflictError(Phrase("sign-up for this order has closed"))
            raise ConflictError(Phrase("no places left: the order is full"))
        if existing is None:
            existing = OrderClaim(order_id=order.id, volunteer_id=profile.id, claimed_at=now)
            _fill(existing, profile)
            uow.orders.add_claim(existing)
        else:  # claiming again after a withdrawal
            _fill(existing, profile)
        _journal(uow, order, actor, "order_claimed")
        if order.full:
            _tell(ctx, uow, order, "order_filled", actor)
        uow.commit()
        return _view(ctx, uow, actor, order)


def _fill(row: OrderClaim, profile: VolunteerProfile) -> None:
    row.home_unit_key = profile.home_unit_key
    row.branch = profile.branch
    row.state = "claimed"


def withdraw(ctx: GridcaseContext, actor: Actor, order_id: int) -> OrderView:
    """Give one's place back, before the claim deadline.

    Raises:
        ConflictError: no place held, or sign-up has closed.
    """
    with ctx.uow() as uow:
        profile = member_profile(ctx, uow, actor)
        order = uow.orders.get(order_id)
        mine = uow.orders.claim_of(order.id, profile.id)
        if mine is None or mine.state != "claimed":
            raise ConflictError(Phrase("you hold no place on this order"))
        if order.stage not in CLAIMABLE or order.claim_deadline <= uow.now():
            raise ConflictError(Phrase("sign-up has closed: ask the community to take you off"))
        was_full = order.full
        if not uow.orders.switch_claim(mine, "claimed", "withdrawn", uow.now()):
            raise ConflictError(Phrase("you hold no place on this order"))
        uow.orders.give_back_place(order.id)
        _journal(uow, order, actor, "order_withdrawn")
        if was_full:
            _tell(ctx, uow, order, "order_reopened", actor)
        uow.commit()
        return _view(ctx, uow, actor, order)


def _journal(uow: CaseUnitOfWork, order: ServiceOrder, actor: Actor, action: str) -> None:
    instance = uow.instances.get(order.instance_id) if order.instance_id else None
    instances.journal(uow, instance, actor.username, action, payload={"claimed": order.claimed})


def _tell(
    ctx: GridcaseContext, uow: CaseUnitOfWork, order: ServiceOrder, message: str, actor: Actor
) -> None:
    """Hand the order's process a message when it waits for it (an order escalated before
    it filled waits for none)."""
    if order.instance_id is None:
        return
    instance = uow.instances.get(order.instance_id)
    if instance.status != "running":
        return
    if message not in instances.snapshot(uow, ctx.runtime, instance).waiting_messages:
        return
    transition = instances.deliver_message(
        uow, ctx.runtime, instance, Message(message, {"claimed": order.claimed}), actor.username
    )
    settle(ctx, uow, transition)


# The process's two steps -----------------------------------------------------------------
def _ready_step(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, order: ServiceOrder, element: str
) -> TaskRecord:
    record = uow.orders.ready_task(order.instance_id or 0, element)
    if record is None:
        raise ConflictError(Phrase("this step is already done"))
    if not ctx.permissions.may_work(actor, record):
        raise ForbiddenError(Phrase("this step is for another unit"))
    return record


def arrange(ctx: GridcaseContext, actor: Actor, order_id: int, arrangement: str) -> OrderView:
    """The street's party office says how it filled the gaps of an order nobody filled.

    Raises:
        FieldErrors: nothing said. ForbiddenError: not the street's party office.
        ConflictError: already arranged, or changed at the same moment.
    """
    if not arrangement.strip():
        raise FieldErrors({"arrangement": [Phrase("say how the gaps were filled")]})
    with ctx.uow() as uow:
        order = uow.orders.get(order_id)
        record = _ready_step(ctx, uow, actor, order, "arrange")
        order.arrangement, order.arranged_by = arrangement.strip(), actor.username
        data = {"arrangement": order.arrangement}
        transition = instances.complete_task(uow, ctx.runtime, record.id, data, actor.username)
        settle(ctx, uow, transition)
        uow.commit()
        return _view(ctx, uow, actor, order)


def confirm(
    ctx: GridcaseContext,
    actor: Actor,
    order_id: int,
    results: Sequence[MemberResult],
    photos: Mapping[int, Sequence[Upload]] | None = None,
    note: str = "",
) -> OrderView:
    """The poster confirms, member by member, who served and for how long (a photo each if
    they like); points follow from the hours. Every member on the order needs an answer.

    Raises:
        FieldErrors: a member without an answer or with wrong hours (``member-<claim id>``),
            a bad photo (``photo-<claim id>``).
        ForbiddenError: not the poster. ConflictError: already confirmed.
    """
    rules = ctx.catalog.service_orders
    with ctx.uow() as uow:
        order = uow.orders.get(order_id)
        record = _ready_step(ctx, uow, actor, order, "confirm")
        members = {c.id: c for c, _ in uow.orders.claims(order.id)}
        given = {r.claim_id: r for r in results}
        errors: dict[str, list[str]] = {}
        for claim_id in members:
            result = given.get(claim_id)
            if result is None:
                errors[f"member-{claim_id}"] = [Phrase("say whether this member served")]
            elif problem := hours_problem(result.hours, result.served):
                errors[f"member-{claim_id}"] = [problem]
        for claim_id in set(given) - set(members):
            errors[f"member-{claim_id}"] = [Phrase("not a member of this order")]
        checked = {}
        for claim_id, files in (photos or {}).items():
            try:
                checked[claim_id] = attachments.check(files[:1], f"photo-{claim_id}")
            except FieldErrors as err:
                errors |= err.fields
        if errors:
            raise FieldErrors(errors)
        now = uow.now()
        total_hours, served = 0.0, 0
        for claim_id, row in members.items():
            result = given[claim_id]
            row.served = result.served
            row.hours = float(result.hours or 0) if result.served else 0.0
            row.points = rules.points(row.hours)
            row.comment = result.comment.strip()
            row.confirmed_at, row.confirmed_by = now, actor.username
            kept = attachments.keep(ctx, uow, actor, None, checked.get(claim_id, ()), record.id)
            if kept:
                row.photo_id = kept[0].id
            total_hours += row.hours
            served += bool(result.served)
        order.confirmed_by = actor.username
        data: dict[str, Any] = {"served_count": served, "hours_total": round(total_hours, 1)}
        if note.strip():
            data["note"] = note.strip()
        transition = instances.complete_task(uow, ctx.runtime, record.id, data, actor.username)
        settle(ctx, uow, transition)
        uow.commit()
        return _view(ctx, uow, actor, order)


def default_hours(order: ServiceOrder) -> float:
    """What the confirmation form proposes for each member: the service's length."""
    return service_hours(order.starts_at, order.ends_at)


# What a step of the process means for the order --------------------------------------------
def settle(ctx: GridcaseContext, uow: CaseUnitOfWork, transition: Transition) -> None:
    """Carry a step of an order's process onto the order (its stage), raise the notices
    its events call for, and schedule its next wake-up after the commit."""
    order = uow.orders.by_instance(transition.instance.id)
    now = uow.now()
    ready = {t.element_id for t in transition.ready}
    if transition.end is not None:
        order.stage, order.done_at = "done", now
    elif "confirm" in ready:
        order.stage = "confirming"
    elif "arrange" in ready:
        order.stage = "escalated"
        order.escalated_at = order.escalated_at or now
    elif order.escalated_at is not None:
        order.stage = "arranged"
    else:
        order.stage = "open"
    notices = []
    poster = _poster_role(ctx, order)
    for event in transition.events:
        rule = ctx.catalog.event(event.kind)
        told = [Recipient(poster, order.unit_key)]
        if event.kind == "order_unfilled":
            told.insert(0, Recipient("party_office", order.street_key))
            deadline = order.claim_deadline.astimezone(ctx.calendar.timezone)
            body = (
                f"已报名 {order.claimed}/{order.needed} 人，"
                f"报名截止 {deadline:%Y-%m-%d %H:%M}，地点：{order.address}"
            )
        else:
            body = f"接单党员 {order.claimed} 人，请逐人确认是否到岗及服务时长"
        title = rule.title_zh.format(number=order.title)
        notices += notify(ctx, uow, event.kind, told, title=title, body=body)
    schedule(ctx, uow, [transition], notices)


def _poster_role(ctx: GridcaseContext, order: ServiceOrder) -> str | None:
    level = ctx.directory.get(order.unit_key).level
    return ctx.catalog.lanes["order_poster"].role_for(level)


def photo(ctx: GridcaseContext, actor: Actor, order_id: int, claim_id: int):
    """A member's service photo: for the poster's side and the member.

    Raises: NotFoundError; ForbiddenError."""
    with ctx.uow() as uow:
        order = uow.orders.get(order_id)
        found = [c for c, u in uow.orders.claims(order.id) if c.id == claim_id and c.photo_id]
        if not found:
            raise ForbiddenError(Phrase("you may not see this file"))
        row = uow.attachments.get(found[0].photo_id)
        profile = uow.orders.profile_of(actor.user_id)
        own = profile is not None and found[0].volunteer_id == profile.id
        if not (manages(ctx, actor, order) or own):
            raise ForbiddenError(Phrase("you may not see this file"))
        return row, ctx.files.path(row.stored_as)
