"""Who served: a member's own records and profile, and for the party organisations the
ranking of members and branches by confirmed hours and points over a period (and every
record behind it, for the CSV)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from workflows.adapters.order_models import OrderClaim, ServiceOrder, VolunteerProfile
from workflows.adapters.order_repository import PostedRow, RankedRow, ServiceLine
from workflows.domain.errors import FieldErrors, ForbiddenError, Phrase
from workflows.domain.indicators import Period
from workflows.domain.org import Unit
from workflows.domain.permissions import (
    ASSESS,
    MANAGE_ACCOUNTS,
    POST_ORDERS,
    SEE_SERVICE_RECORDS,
    Actor,
)
from workflows.domain.service_orders import RankingPeriod, ranking_period
from workflows.services.context import GridcaseContext
from workflows.services.indicators import days_or_month, period_window
from workflows.services.service_orders import VOLUNTEER, member_profile

BY = ("member", "branch")


@dataclass(frozen=True)
class Ranking:
    """Members or branches of ``unit`` (the viewer's units when None) by points."""

    period: RankingPeriod
    by: str
    units: list[Unit]
    unit: Unit | None
    rows: list[RankedRow]

    @property
    def total_hours(self) -> float:
        return round(sum(r.hours for r in self.rows), 1)

    @property
    def total_points(self) -> float:
        return round(sum(r.points for r in self.rows), 1)


@dataclass(frozen=True)
class MyService:
    """A member's profile, their totals and their places, the latest first."""

    profile: VolunteerProfile
    claims: list[tuple[OrderClaim, ServiceOrder]]

    @property
    def hours(self) -> float:
        return round(sum(c.hours for c, _ in self.claims if c.served), 1)

    @property
    def points(self) -> float:
        return round(sum(c.points for c, _ in self.claims if c.served), 1)


def _scope(
    ctx: GridcaseContext, actor: Actor, unit_key: str | None
) -> tuple[list[Unit], Unit | None]:
    units = ctx.permissions.units(actor, SEE_SERVICE_RECORDS)
    if not units:
        raise ForbiddenError(Phrase("you may not see service records"))
    if not unit_key:
        return units, None
    if not ctx.permissions.covers(actor, SEE_SERVICE_RECORDS, unit_key):
        raise ForbiddenError(Phrase("you may not see service records of this unit"))
    return units, ctx.directory.get(unit_key)


def _window(ctx: GridcaseContext, period: RankingPeriod) -> tuple[datetime | None, datetime | None]:
    zone = ctx.calendar.timezone

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC)

    start = utc(period.start) if period.start else None
    end = utc(period.end + timedelta(days=1)) if period.end else None
    return start, end


def ranking(
    ctx: GridcaseContext,
    actor: Actor,
    period: str | None = None,
    unit_key: str | None = None,
    by: str = "member",
) -> Ranking:
    """Members (or branches) living under the unit, by confirmed points then hours.

    Raises:
        ForbiddenError: the actor may not see service records (of that unit).
        FieldErrors: an unknown period (``period``) or grouping (``by``).
    """
    if by not in BY:
        raise FieldErrors({"by": [Phrase("rank by member or branch")]})
    units, unit = _scope(ctx, actor, unit_key)
    chosen = ranking_period(period, ctx.clock.now().astimezone(ctx.calendar.timezone).date())
    start, end = _window(ctx, chosen)
    paths = [unit.path] if unit else [u.path for u in units]
    with ctx.uow() as uow:
        rows = uow.orders.ranking(paths, start, end, by_branch=by == "branch")
    return Ranking(chosen, by, units, unit, rows)


def records(
    ctx: GridcaseContext, actor: Actor, period: str | None = None, unit_key: str | None = None
) -> list[ServiceLine]:
    """Every confirmed service behind a ranking, in time order (for the CSV).

    Raises: as :func:`ranking`.
    """
    units, unit = _scope(ctx, actor, unit_key)
    chosen = ranking_period(period, ctx.clock.now().astimezone(ctx.calendar.timezone).date())
    start, end = _window(ctx, chosen)
    with ctx.uow() as uow:
        return uow.orders.records([unit.path] if unit else [u.path for u in units], start, end)


def my_service(ctx: GridcaseContext, actor: Actor) -> MyService:
    """A member's profile and places.

    Raises: ForbiddenError for anyone but a volunteer."""
    with ctx.uow() as uow:
        profile = member_profile(ctx, uow, actor)
        found = MyService(profile, uow.orders.claims_of_member(profile.id))
        uow.commit()
        return found


def save_profile(
    ctx: GridcaseContext,
    actor: Actor,
    username: str,
    *,
    branch: str,
    phone: str,
    home_unit: str | None = None,
) -> VolunteerProfile:
    """Keep a member's party branch, phone and home community: the member themselves
    (branch and phone), or whoever posts orders for the home community (or administers
    accounts), who may also register a member and grant them the volunteer role there.

    Raises:
        FieldErrors: no branch, a home that is no community. ForbiddenError: neither.
        NotFoundError: unknown user.
    """
    errors: dict[str, list[str]] = {}
    if not branch.strip():
        errors["branch"] = [Phrase("name the party branch")]
    if len(phone.strip()) > 40:
        errors["phone"] = [Phrase("at most %(n)s characters", n=40)]
    if home_unit and (
        home_unit not in ctx.directory or ctx.directory.get(home_unit).level != "community"
    ):
        errors["home_unit"] = [Phrase("a member's home is a community")]
    if errors:
        raise FieldErrors(errors)
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise FieldErrors({"username": [Phrase("no such user")]})
        profile = uow.orders.profile_of(user.id)
        home = home_unit or (profile.home_unit_key if profile else None)
        own = user.id == actor.user_id and home_unit in (
            None,
            getattr(profile, "home_unit_key", None),
        )
        keeper = home is not None and (
            ctx.permissions.covers(actor, POST_ORDERS, home)
            or ctx.permissions.covers(actor, MANAGE_ACCOUNTS, home)
        )
        if not (own or keeper):
            raise ForbiddenError(Phrase("you may not keep this member's profile"))
        if home is None:
            raise FieldErrors({"home_unit": [Phrase("a member's home is a community")]})
        grants = {(g.role, g.unit_key) for g in uow.users.grants(user.id)}
        if (VOLUNTEER, home) not in grants:
            if not keeper:
                raise ForbiddenError(Phrase("you may not keep this member's profile"))
            uow.users.grant(user.id, VOLUNTEER, home)
        now = uow.now()
        if profile is None:
            profile = VolunteerProfile(user_id=user.id, created_at=now)
        profile.home_unit_key = home
        profile.branch, profile.phone, profile.updated_at = branch.strip(), phone.strip(), now
        if profile.id is None:
            uow.orders.add_profile(profile)
        uow.commit()
        return profile


def order_indicators(
    ctx: GridcaseContext, actor: Actor, first: date | None, last: date | None, under: str | None
) -> tuple[Period, list[PostedRow]]:
    """Orders posted per community (or street) in whole local days (none given: this month
    to date), for those who see service records or assess: posted, filled, escalated,
    served, hours served. ``under`` narrows to a unit.

    Raises: FieldErrors for a bad period."""
    chosen = days_or_month(ctx, first, last)
    units = [
        *ctx.permissions.units(actor, SEE_SERVICE_RECORDS),
        *ctx.permissions.units(actor, ASSESS),
    ]
    paths = [u.path for u in units if not u.is_department]
    if under is not None and under in ctx.directory:
        top = ctx.directory.get(under).path
        paths = [top] if any(top.startswith(p) for p in paths) else []
    if not paths:
        return chosen, []
    window = period_window(ctx, chosen)
    with ctx.uow() as uow:
        return chosen, uow.orders.posted_by_unit(paths, window.start, window.end)
