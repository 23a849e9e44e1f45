"""Indicator tables (考核评价) and the cases behind each number, for the units a person may
assess: a supervisor the units they supervise, a department head their department."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from workflows.adapters import indicator_rollup
from workflows.adapters.indicator_predicates import Scope, Window
from workflows.adapters.models import Case
from workflows.domain.errors import FieldErrors, ForbiddenError, Phrase
from workflows.domain.indicators import (
    CASE_COUNTS,
    GROUPINGS,
    MARK_COUNTS,
    WORKER_COUNTS,
    Period,
    Row,
    period,
    reward,
    total,
    with_rates,
)
from workflows.domain.org import Unit
from workflows.domain.permissions import ASSESS, Actor
from workflows.services.context import GridcaseContext

UNIT_LEVELS = {"street": "street", "community": "community", "grid": "grid"}


@dataclass(frozen=True)
class IndicatorRequest:
    start: date | None
    end: date | None
    by: str
    unit: str | None = None


@dataclass(frozen=True)
class IndicatorTable:
    period: Period
    by: str
    unit: Unit
    rows: list[Row]
    total: Row
    # A grid worker's reward for the period (by=grid_worker only), by row key.
    rewards: dict[str, float]


@dataclass(frozen=True)
class CasesBehind:
    cases: Sequence[Case]
    total: int
    page: int
    per_page: int


def assessed_scope(ctx: GridcaseContext, actor: Actor, unit_key: str | None) -> tuple[Unit, Scope]:
    """The unit asked for (or the actor's widest it may assess) and the cases it covers.

    Raises:
        FieldErrors: unknown unit. ForbiddenError: outside the units the actor assesses.
    """
    permissions, directory = ctx.permissions, ctx.directory
    if unit_key is None:
        mine = permissions.units(actor, ASSESS)
        if not mine:
            raise ForbiddenError(f"{actor.username} may not see indicators")
        unit = min(mine, key=lambda u: len(u.path))
    elif unit_key not in directory:
        raise FieldErrors({"unit": [Phrase("unknown unit %(unit)s", unit=unit_key)]})
    else:
        unit = directory.get(unit_key)
        if not permissions.covers(actor, ASSESS, unit.key):
            raise ForbiddenError(f"{actor.username} may not see indicators of {unit.key}")
    if unit.is_department:
        return unit, Scope(department=unit.key)
    grids = [g.key for g in directory.under(unit.path, level="grid")]
    return unit, Scope(grids=grids)


def days_or_month(ctx: GridcaseContext, first: date | None, last: date | None) -> Period:
    """The local days asked for; none asked: this month to date.

    Raises: FieldErrors for a missing, reversed or too long range."""
    if first is None and last is None:
        today = ctx.clock.now().astimezone(ctx.calendar.timezone).date()
        return Period(today.replace(day=1), today)
    return period(first, last, ctx.catalog.indicators)


def period_window(ctx: GridcaseContext, chosen: Period) -> Window:
    """A period of local days as UTC bounds, with the readings and the moment of asking."""
    zone = ctx.calendar.timezone

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC)

    end = utc(chosen.end + timedelta(days=1))
    return Window(
        utc(chosen.start),
        end,
        ctx.catalog.indicators,
        ctx.clock.now(),
        (chosen.start, chosen.end),
    )


def _checked(ctx: GridcaseContext, request: IndicatorRequest) -> Period:
    if request.by not in GROUPINGS:
        raise FieldErrors(
            {"by": [Phrase("group by one of: %(choices)s", choices=", ".join(GROUPINGS))]}
        )
    return period(request.start, request.end, ctx.catalog.indicators)


def table(ctx: GridcaseContext, actor: Actor, request: IndicatorRequest) -> IndicatorTable:
    """Counts and rates per street, community, grid, department, grid worker or category.

    Raises:
        FieldErrors: unknown grouping or unit; a missing, reversed or too long period.
        ForbiddenError: the unit is outside the actor's area.
    """
    chosen = _checked(ctx, request)
    unit, scope = assessed_scope(ctx, actor, request.unit)
    window = period_window(ctx, chosen)
    settings = ctx.catalog.indicators
    settle_rollup(ctx)
    with ctx.uow() as uow:
        query = uow.indicators
        if request.by == "grid_worker":
            found = query.worker_counts(scope, window)
            names = uow.users.display_names(set(found))
            empty = {m.name: 0 for m in WORKER_COUNTS}
        else:
            found = query.case_counts(scope, request.by, window)
            if request.by == "department":
                for key, marks in query.mark_counts(scope, window).items():
                    found.setdefault(key, {}).update(marks)
            names = {}
            empty = {m.name: 0 for m in CASE_COUNTS}
            if request.by == "department":
                empty |= {m.name: 0 for m in MARK_COUNTS}
    for key in _expected_rows(ctx, unit, request.by):
        found.setdefault(key, {})
    rows = [
        with_rates(Row(key, _name(ctx, request.by, key, names), {**empty, **counts}), settings)
        for key, counts in sorted(found.items())
    ]
    rewards = {}
    if request.by == "grid_worker":
        rewards = {row.key: reward(row.counts, settings) for row in rows}
    return IndicatorTable(
        chosen, request.by, unit, rows, total(rows, "total", "合计", settings), rewards
    )


def cases_behind(
    ctx: GridcaseContext,
    actor: Actor,
    request: IndicatorRequest,
    measure: str,
    key: str | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
) -> CasesBehind:
    """The cases one number of :func:`table` counted (``key`` None: the total's).

    Raises: as :func:`table`; FieldErrors for a measure the grouping does not count.
    """
    chosen = _checked(ctx, request)
    _unit, scope = assessed_scope(ctx, actor, request.unit)
    known = _measures(request.by)
    if measure not in known:
        raise FieldErrors(
            {
                "measure": [
                    Phrase("not a count of this table: %(choices)s", choices=", ".join(known))
                ]
            }
        )
    per_page, page = max(1, min(per_page, 500)), max(1, page)
    with ctx.uow() as uow:
        cases, found = uow.indicators.cases_behind(
            scope,
            request.by,
            key,
            measure,
            period_window(ctx, chosen),
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        return CasesBehind(list(cases), found, page, per_page)


def _measures(by: str) -> list[str]:
    if by == "grid_worker":
        return [m.name for m in WORKER_COUNTS]
    found = [m.name for m in CASE_COUNTS]
    return found + [m.name for m in MARK_COUNTS] if by == "department" else found


def _expected_rows(ctx: GridcaseContext, unit: Unit, by: str) -> list[str]:
    """Territorial rows always list every unit of that level in the area (a ranking shows
    the units with nothing too)."""
    level = UNIT_LEVELS.get(by)
    if level is None or unit.is_department:
        return []
    return [u.key for u in ctx.directory.under(unit.path, level=level)]


def _name(ctx: GridcaseContext, by: str, key: str, people: dict[str, str]) -> str:
    if by == "grid_worker":
        return people.get(key, key)
    if by == "category":
        category = ctx.catalog.categories.get(key)
        return category.name_zh if category else key
    return ctx.directory.get(key).name_zh if key in ctx.directory else key


def settle_rollup(ctx: GridcaseContext) -> int:
    """Count the roll-up's pending buckets (those steps changed since) in a transaction of
    their own: readers call it before reading, the worker's sweep every few seconds. The
    number of buckets counted."""
    with ctx.uow() as uow:
        if uow.rollup is None:
            return 0
        counted = indicator_rollup.settle(uow.session, uow.rollup)
        if counted:
            uow.commit()
        return counted


def bring_rollup_up_to_date(ctx: GridcaseContext, *, force: bool = False) -> int | None:
    """Count the indicator roll-up anew when it was made with other readings or time zone
    (or never), or when ``force``d: the days counted, or None when it was current."""
    with ctx.uow() as uow:
        assert uow.rollup is not None
        if not force and indicator_rollup.is_current(uow.session, uow.rollup):
            return None
        days = indicator_rollup.rebuild(uow.session, uow.rollup, uow.now())
        uow.commit()
        return days
