"""Rules of the volunteer order pool (社区点单·党员接单): the kinds of order, when an unclaimed
order goes to the street's party office, what an hour of service is worth, the order of the
pool a party member browses and the periods of the ranking. Plain values, no database."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from workflows.domain.errors import FieldErrors, Phrase

# Where an order stands in its process (the claims are counted apart: ``claimed``/``needed``).
STAGES = ("open", "escalated", "arranged", "confirming", "done")
# Stages in which members may still claim (until the claim deadline).
CLAIMABLE = frozenset({"open", "escalated", "arranged"})
PERIODS = ("month", "year", "all")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
# The longest service one order may ask for, and the most people one order may need.
MAX_SERVICE_HOURS = 24 * 7
MAX_NEEDED = 200


@dataclass(frozen=True)
class OrderKind:
    code: str
    name_zh: str
    name_en: str
    icon: str = "heart-handshake"


@dataclass(frozen=True)
class OrderRules:
    """The catalog's ``service_orders`` section."""

    kinds: Mapping[str, OrderKind]
    escalate_before_hours: float = 24.0
    points_per_hour: float = 10.0

    @classmethod
    def from_catalog(cls, raw: Mapping[str, Any]) -> OrderRules:
        section = raw.get("service_orders") or {}
        return cls(
            kinds={
                code: OrderKind(code, k["name_zh"], k["name_en"], k.get("icon", "heart-handshake"))
                for code, k in (section.get("kinds") or {}).items()
            },
            escalate_before_hours=float(section.get("escalate_before_hours", 24)),
            points_per_hour=float(section.get("points_per_hour", 10)),
        )

    def escalate_at(self, posted_at: datetime, claim_deadline: datetime) -> datetime:
        """When an order still short of people goes to the street's party office: the lead
        time before the claim deadline, but never earlier than halfway through the claim
        window (an order posted for tomorrow morning is not escalated the moment it is
        posted)."""
        lead = claim_deadline - timedelta(hours=self.escalate_before_hours)
        halfway = posted_at + (claim_deadline - posted_at) / 2
        return max(lead, halfway)

    def points(self, hours: float) -> float:
        """Points earned for ``hours`` of confirmed service."""
        return round(hours * self.points_per_hour, 1)


@dataclass(frozen=True)
class OrderDraft:
    """What a community or street posts."""

    kind: str
    title: str
    description: str
    address: str
    starts_at: datetime | None
    ends_at: datetime | None
    needed: int | None
    claim_deadline: datetime | None
    lat: float | None = None
    lon: float | None = None


def draft_problems(rules: OrderRules, draft: OrderDraft, now: datetime) -> dict[str, list[str]]:
    """Field problems of a posted order (empty when it may be posted)."""
    errors: dict[str, list[str]] = {}
    if draft.kind not in rules.kinds:
        errors["kind"] = [Phrase("choose what kind of help is needed")]
    if not draft.title.strip():
        errors["title"] = [Phrase("give the order a title")]
    elif len(draft.title) > 200:
        errors["title"] = [Phrase("at most %(n)s characters", n=200)]
    if not draft.address.strip():
        errors["address"] = [Phrase("say where the service takes place")]
    if draft.needed is None or not 1 <= draft.needed <= MAX_NEEDED:
        errors["needed"] = [Phrase("between 1 and %(n)s people", n=MAX_NEEDED)]
    if draft.starts_at is None:
        errors["starts_at"] = [Phrase("give the start of the service")]
    elif draft.starts_at <= now:
        errors["starts_at"] = [Phrase("the service must start in the future")]
    if draft.ends_at is None:
        errors["ends_at"] = [Phrase("give the end of the service")]
    elif draft.starts_at is not None and draft.ends_at <= draft.starts_at:
        errors["ends_at"] = [Phrase("the service must end after it starts")]
    elif draft.starts_at is not None and draft.ends_at - draft.starts_at > timedelta(
        hours=MAX_SERVICE_HOURS
    ):
        errors["ends_at"] = [Phrase("one order covers at most %(n)s hours", n=MAX_SERVICE_HOURS)]
    if draft.claim_deadline is None:
        errors["claim_deadline"] = [Phrase("give the deadline to sign up")]
    elif draft.claim_deadline <= now:
        errors["claim_deadline"] = [Phrase("the deadline to sign up must be in the future")]
    elif draft.starts_at is not None and draft.claim_deadline > draft.starts_at:
        errors["claim_deadline"] = [Phrase("the deadline to sign up is before the service starts")]
    for value, low, high in ((draft.lat, -90, 90), (draft.lon, -180, 180)):
        if value is not None and not low <= value <= high:
            errors["location"] = [Phrase("not a place on the map")]
    return errors


def service_hours(starts_at: datetime, ends_at: datetime) -> float:
    """The hours an order's service lasts (the default hours of a member who served)."""
    return round((ends_at - starts_at).total_seconds() / 3600, 1)


def hours_problem(hours: float | None, served: bool) -> str | None:
    """Why the hours confirmed for a member are not right, or None."""
    if not served:
        return None
    if hours is None or not 0 < hours <= MAX_SERVICE_HOURS:
        return Phrase("hours between 0 and %(n)s", n=MAX_SERVICE_HOURS)
    return None


@dataclass(frozen=True)
class Place:
    """Where a member lives or an order is, in the org tree (and on the map)."""

    community: str | None
    street: str | None
    lat: float | None = None
    lon: float | None = None


def pool_rank(home: Place, order: Place) -> tuple[int, float]:
    """How near an order is to a member: their home community's first, then their
    street's, then the rest of the district — nearest first where both have a place on
    the map."""
    if order.community is not None and order.community == home.community:
        tier = 0
    elif order.street is not None and order.street == home.street:
        tier = 1
    else:
        tier = 2
    if None in (home.lat, home.lon, order.lat, order.lon):
        return tier, math.inf
    return tier, math.dist((home.lat, home.lon), (order.lat, order.lon))  # type: ignore[arg-type]


@dataclass(frozen=True)
class RankingPeriod:
    """Local days ``start`` … ``end`` (both included); None: unbounded."""

    text: str
    start: date | None
    end: date | None


def ranking_period(text: str | None, today: date) -> RankingPeriod:
    """``month`` (this month, the default), ``year``, ``all``, ``YYYY-MM`` or ``YYYY``.

    Raises:
        FieldErrors: naming ``period``.
    """
    text = (text or "month").strip()
    if text == "month":
        return RankingPeriod(text, today.replace(day=1), today)
    if text == "year":
        return RankingPeriod(text, today.replace(month=1, day=1), today)
    if text == "all":
        return RankingPeriod(text, None, None)
    found = _MONTH.match(text)
    if found and 1 <= int(found.group(2)) <= 12:
        start = date(int(found.group(1)), int(found.group(2)), 1)
        following = (start + timedelta(days=32)).replace(day=1)
        return RankingPeriod(text, start, following - timedelta(days=1))
    found = _YEAR.match(text)
    if found:
        year = int(found.group(1))
        return RankingPeriod(text, date(year, 1, 1), date(year, 12, 31))
    raise FieldErrors({"period": [Phrase("a period is month, year, all, YYYY-MM or YYYY")]})
