"""The command centre's dashboard (总览): for one unit and period, the key indicators beside
the previous period's, rankings of the units below and of the departments, the volume per
local day and per category, and the open cases past their deadline now.

Every number is one of the indicators' counts (``domain/indicators.py`` says what each
means) or ``overdue_now``, and :func:`cases_behind` lists the cases behind any of them. Who
may see which unit is the indicators' rule: a supervisor the units they supervise, a
department head their department.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from workflows.adapters.indicator_predicates import SATISFACTION, Scope
from workflows.domain.errors import FieldErrors, ForbiddenError, Phrase
from workflows.domain.indicators import (
    IndicatorSettings,
    Period,
    Row,
    period,
    with_rates,
)
from workflows.domain.org import Unit
from workflows.domain.permissions import ASSESS, Actor
from workflows.services.context import GridcaseContext
from workflows.services.indicators import (
    CasesBehind,
    IndicatorRequest,
    assessed_scope,
    period_window,
    settle_rollup,
)
from workflows.services.indicators import cases_behind as indicator_cases

OVERDUE_NOW = "overdue_now"
# What a ranking may be ordered by (largest first; a rate without cases comes last).
RANK_BY = ("reported", "due_to_close", "closure_rate", "on_time_closure_rate", "overdue")
RANKING_COUNTS = ("reported", "due_to_close", "closed", "closed_on_time", "overdue")
# The grid ranking shows its first ten; the others every row.
RANKING_LIMITS = {"grid": 10}
CATEGORY_COUNTS = ("reported", "due_to_close", "closed")
# Every count the dashboard shows (the rankings' and categories' among them).
KPI_COUNTS = (
    "reported",
    "valid",
    "due_to_close",
    "due_to_handle",
    "closed",
    "closed_on_time",
    "overdue",
    "supervised",
    "evaluated",
    *SATISFACTION,
)
AVERAGE_HOURS = "average_handling_hours"


@dataclass(frozen=True)
class KpiSpec:
    """A tile: its value (a count, a rate or hours), the count whose cases lie behind it,
    and which way is better (None: neither)."""

    name: str
    kind: str
    measure: str
    better: str | None


KPIS = (
    KpiSpec("reported", "count", "reported", None),
    KpiSpec("due_to_close", "count", "due_to_close", None),
    KpiSpec("closure_rate", "rate", "closed", "up"),
    KpiSpec("on_time_closure_rate", "rate", "closed_on_time", "up"),
    KpiSpec("satisfaction_rate", "rate", "evaluated", "up"),
    KpiSpec(AVERAGE_HOURS, "hours", "closed", "down"),
    KpiSpec("overdue", "count", "overdue", "down"),
    KpiSpec("supervised", "count", "supervised", "down"),
)


@dataclass(frozen=True)
class Kpi:
    spec: KpiSpec
    value: float | None
    previous: float | None
    numerator: float | None = None
    denominator: int | None = None

    @property
    def change(self) -> float | None:
        """Value minus the previous period's (for rates: in parts of one)."""
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 4)

    @property
    def trend(self) -> str | None:
        """``up``, ``down``, ``flat``, or None when either period has no value."""
        change = self.change
        if change is None:
            return None
        return "up" if change > 0 else ("down" if change < 0 else "flat")

    @property
    def good(self) -> bool | None:
        """Whether the change is for the better (None: no change, or neither is better)."""
        if self.spec.better is None or self.trend in (None, "flat"):
            return None
        return self.trend == self.spec.better


@dataclass(frozen=True)
class RankedRow:
    rank: int | None
    key: str
    counts: dict[str, int]
    rates: dict[str, float | None]

    def value(self, name: str) -> float | None:
        return self.counts[name] if name in self.counts else self.rates.get(name)


@dataclass(frozen=True)
class Ranking:
    by: str
    rows: list[RankedRow]
    size: int  # rows before the limit


@dataclass(frozen=True)
class DayVolume:
    day: date
    reported: int
    registered: int


@dataclass(frozen=True)
class CategoryVolume:
    key: str
    counts: dict[str, int]


@dataclass(frozen=True)
class DashboardRequest:
    """Local days, both included (none: the current month to date); the unit (none: the
    widest the person assesses); what the rankings are ordered by."""

    start: date | None = None
    end: date | None = None
    unit: str | None = None
    rank: str = "reported"


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous: Period
    unit: Unit
    rank: str
    kpis: list[Kpi]
    overdue_now: int
    rankings: list[Ranking]
    daily: list[DayVolume]
    categories: list[CategoryVolume]


def today(ctx: GridcaseContext) -> date:
    """The city's date now."""
    return ctx.clock.now().astimezone(ctx.calendar.timezone).date()


def month_to_date(ctx: GridcaseContext) -> Period:
    """The default period: the first of this month to today."""
    now = today(ctx)
    return Period(now.replace(day=1), now)


def units(ctx: GridcaseContext, actor: Actor) -> list[Unit]:
    """The units the person may look at, in tree order: every unit where they assess, the
    streets and communities below it and its departments (grids are too many to list).

    Raises:
        ForbiddenError: the person assesses nowhere.
    """
    held = ctx.permissions.units(actor, ASSESS)
    if not held:
        raise ForbiddenError(f"{actor.username} may not see the dashboard")
    paths = [u.path for u in held]
    found = {
        u.key: u
        for u in ctx.directory.under(*paths)
        if u.is_department or u.level != "grid" or u in held
    }
    return sorted(found.values(), key=lambda u: (u.is_department, u.path))


def _period(ctx: GridcaseContext, request: DashboardRequest) -> Period:
    if request.start is None and request.end is None:
        return month_to_date(ctx)
    return period(request.start, request.end, ctx.catalog.indicators)


def resolve(ctx: GridcaseContext, actor: Actor, request: DashboardRequest) -> tuple[Period, Unit]:
    """The period and the unit asked for, checked (for a page to show before the numbers).

    Raises:
        FieldErrors: a missing, reversed or too long period; an unknown unit or ranking.
        ForbiddenError: the unit is outside the person's area.
    """
    chosen, unit, _covered = _resolved(ctx, actor, request)
    return chosen, unit


def _resolved(
    ctx: GridcaseContext, actor: Actor, request: DashboardRequest
) -> tuple[Period, Unit, Scope]:
    errors: dict[str, list[str]] = {}
    chosen: Period | None = None
    try:
        chosen = _period(ctx, request)
    except FieldErrors as err:
        errors.update(err.fields)
    if request.rank not in RANK_BY:
        errors["rank"] = [Phrase("rank by one of: %(choices)s", choices=", ".join(RANK_BY))]
    if errors:
        raise FieldErrors(errors)
    assert chosen is not None
    unit, scope = assessed_scope(ctx, actor, request.unit)
    return chosen, unit, scope


def overview(ctx: GridcaseContext, actor: Actor, request: DashboardRequest) -> Dashboard:
    """Everything the dashboard shows for one unit and period.

    Raises: as :func:`resolve`.
    """
    chosen, unit, scope = _resolved(ctx, actor, request)
    before = chosen.previous()
    window, earlier = period_window(ctx, chosen), period_window(ctx, before)
    settings = ctx.catalog.indicators
    ranked_by = _ranked_by(unit)
    settle_rollup(ctx)
    with ctx.uow() as uow:
        query = uow.dashboard
        found = query.breakdown(
            scope, window, ctx.calendar.timezone, (*ranked_by, "category"), KPI_COUNTS
        )
        then_totals = query.totals(scope, earlier, KPI_COUNTS)
        overdue_now = query.overdue_now(scope, window.now)
    now_totals, per_day = found.totals, found.days
    per_category = found.groups["category"]
    current = with_rates(Row("total", "", now_totals), settings)
    previous = with_rates(Row("total", "", then_totals), settings)
    rankings = [
        _ranking(by, found.groups[by], _expected(ctx, unit, by), request.rank, settings)
        for by in ranked_by
    ]
    days = [chosen.start + timedelta(days=i) for i in range(chosen.days)]
    return Dashboard(
        period=chosen,
        previous=before,
        unit=unit,
        rank=request.rank,
        kpis=[_kpi(spec, current, previous) for spec in KPIS],
        overdue_now=overdue_now,
        rankings=rankings,
        daily=[
            DayVolume(
                d,
                per_day.get(d, {}).get("reported", 0),
                per_day.get(d, {}).get("due_to_close", 0),
            )
            for d in days
        ],
        categories=[
            CategoryVolume(key, {m: int(counts[m]) for m in CATEGORY_COUNTS})
            for key, counts in sorted(
                per_category.items(),
                key=lambda item: (-item[1]["reported"], -item[1]["due_to_close"], item[0]),
            )
        ],
    )


def cases_behind(
    ctx: GridcaseContext,
    actor: Actor,
    request: DashboardRequest,
    measure: str,
    by: str = "street",
    key: str | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
) -> CasesBehind:
    """The cases behind one number of the dashboard: an indicator count of the period
    (``by`` and ``key``: one row of a ranking or a category; None: the whole unit) or
    ``overdue_now`` (the unit's open cases past their deadline at this moment).

    Raises: as :func:`resolve`; FieldErrors for an unknown measure or grouping (``by``
    does not matter for ``overdue_now``).
    """
    chosen = _period(ctx, request)
    if measure != OVERDUE_NOW:
        asked = IndicatorRequest(chosen.start, chosen.end, by, request.unit)
        return indicator_cases(ctx, actor, asked, measure, key, page=page, per_page=per_page)
    _unit, scope = assessed_scope(ctx, actor, request.unit)
    per_page, page = max(1, min(per_page, 500)), max(1, page)
    with ctx.uow() as uow:
        found, total = uow.dashboard.overdue_now_cases(
            scope, ctx.clock.now(), limit=per_page, offset=(page - 1) * per_page
        )
        return CasesBehind(list(found), total, page, per_page)


def _kpi(spec: KpiSpec, current: Row, previous: Row) -> Kpi:
    if spec.kind == "rate":
        now, then = current.rates[spec.name], previous.rates[spec.name]
        return Kpi(spec, now.value, then.value, now.numerator, now.denominator)
    if spec.kind == "hours":
        return Kpi(spec, _average_hours(current), _average_hours(previous))
    return Kpi(spec, current.counts[spec.name], previous.counts[spec.name])


def _average_hours(row: Row) -> float | None:
    closed = row.counts.get("closed") or 0
    return round(row.counts.get("closing_hours", 0) / closed, 1) if closed else None


def _ranked_by(unit: Unit) -> tuple[str, ...]:
    """The rankings a unit's dashboard shows: the level below it, departments, grids."""
    if unit.is_department:
        return ("street", "grid")
    below = {"city": "street", "district": "street", "street": "community"}.get(unit.level)
    if unit.level == "grid":
        return ("department",)
    return tuple(by for by in (below, "department", "grid") if by)


def _expected(ctx: GridcaseContext, unit: Unit, by: str) -> list[str]:
    """A territorial ranking lists every unit of its level in the area, those with nothing
    too (a grid that reports nothing is news)."""
    if by not in ("street", "community", "grid") or unit.is_department:
        return []
    return [u.key for u in ctx.directory.under(unit.path, level=by)]


def _ranking(
    by: str,
    found: dict[str, dict[str, float]],
    expected: list[str],
    rank: str,
    settings: IndicatorSettings,
) -> Ranking:
    empty = {m: 0 for m in RANKING_COUNTS}
    rows = []
    for key in {*found, *expected}:
        counts = {**empty, **{m: int(v) for m, v in found.get(key, {}).items() if m in empty}}
        rated = with_rates(Row(key, "", dict(counts)), settings)
        rates = {name: r.value for name, r in rated.rates.items()}
        rows.append(RankedRow(None, key, counts, rates))
    rows.sort(key=_order(rank))
    ranked: list[RankedRow] = []
    for i, row in enumerate(rows):
        same = ranked and ranked[-1].value(rank) == row.value(rank)
        place = ranked[-1].rank if same else (None if row.value(rank) is None else i + 1)
        ranked.append(RankedRow(place, row.key, row.counts, row.rates))
    limit = RANKING_LIMITS.get(by, len(ranked))
    return Ranking(by, ranked[:limit], len(ranked))


def _order(rank: str) -> Callable[[RankedRow], tuple]:
    def key(row: RankedRow) -> tuple:
        value = row.value(rank)
        return (value is None, -(value or 0), -row.counts["reported"], row.key)

    return key
