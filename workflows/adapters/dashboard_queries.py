"""The dashboard's grouped queries (总览): a few counts for a whole area, per unit, per
category and per local day, and the open cases past their deadline now.

What each count means is said once, by the predicates of ``indicator_queries``; this module
only groups them differently. Every query aggregates in the database over indexed columns
(``created_at``, ``registered_at``, ``status``) and returns at most one row per group; on
PostgreSQL a period's counts take two passes over its cases (see :meth:`breakdown`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal_column, or_, select, text, tuple_
from sqlalchemy.orm import Session

from workflows.adapters import indicator_sources
from workflows.adapters.indicator_predicates import (
    Scope,
    Window,
    case_predicates,
    counts_of,
)
from workflows.adapters.indicator_rollup import RollupSpec
from workflows.adapters.models import STILL_OPEN, Case, IndicatorDay

# Which day a case counts on in the daily volume: reported by the day it was reported,
# registered by the day it was registered (as ``case_predicates`` count them).
DAY_COLUMNS = {"reported": Case.created_at, "due_to_close": Case.registered_at}


def offset_spans(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets over ``[start, end)``: (from this instant, offset in minutes),
    first span starting at ``start``. One span unless daylight saving changes inside."""
    offset = _minutes(zone, start)
    spans = [(start, offset)]
    day = timedelta(days=1)
    at = start
    while at < end:
        later = min(at + day, end)
        if _minutes(zone, later) != offset:
            low, high = at, later  # the change lies in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _minutes(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            changed = high.replace(microsecond=0)
            offset = _minutes(zone, changed)
            spans.append((changed, offset))
        at = later
    return spans


def _minutes(zone: ZoneInfo, at: datetime) -> int:
    found = at.astimezone(zone).utcoffset()
    return int(found.total_seconds() // 60) if found is not None else 0


def local_day(session: Session, column: Any, zone: ZoneInfo, start: datetime, end: datetime):
    """The city's local date of a UTC timestamp column, in SQL (PostgreSQL knows the zone;
    SQLite shifts by the offsets the zone has between ``start`` and ``end``)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, column))
    spans = offset_spans(zone, start, end)

    def shifted(minutes: int) -> Any:
        return func.date(column, f"{minutes:+d} minutes")

    if len(spans) == 1:
        return shifted(spans[0][1])
    whens = [(column < spans[i + 1][0], shifted(m)) for i, (_at, m) in enumerate(spans[:-1])]
    return sql_case(*whens, else_=shifted(spans[-1][1]))


@dataclass
class Breakdown:
    """One period's counts: in all, per value of each grouping, per local day."""

    totals: dict[str, float] = field(default_factory=dict)
    groups: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    days: dict[date, dict[str, int]] = field(default_factory=dict)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class DashboardQuery:
    def __init__(self, session: Session, rollup: RollupSpec | None = None):
        self.session = session
        self.rollup = rollup
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def breakdown(
        self,
        scope: Scope,
        w: Window,
        zone: ZoneInfo,
        groups: Sequence[str],
        measures: Collection[str],
    ) -> Breakdown:
        """These counts over the scope and per value of each grouping (street, community,
        grid, department, category; a missing value is left out), and the cases reported
        and registered per local day.

        On PostgreSQL two passes over the period's cases: the counts per combination of the
        groupings (in parallel), rolled up into every grouping at once (grouping sets over
        those few rows); and both day series together. On SQLite a query per part.
        """
        source = indicator_sources.case_counts(self.session, self.rollup, w)
        if not self.postgres:
            return Breakdown(
                self.totals(scope, w, measures),
                {by: self.grouped(scope, by, w, measures) for by in groups},
                self.daily(scope, w, zone),
            )
        self._tuned()
        columns = [source.column(by).label(f"key_{by}") for by in groups]
        finest = (
            select(*columns, *source.sums(measures))
            .where(source.where(scope))
            .group_by(*(source.column(by) for by in groups))
            .subquery()
        )
        keys = [finest.c[f"key_{by}"] for by in groups]
        names = [*measures, "closing_hours"]
        stmt = select(
            *keys,
            *(func.grouping(k).label(f"grouped_{i}") for i, k in enumerate(keys)),
            *(func.sum(finest.c[m]).label(m) for m in names),
        ).group_by(func.grouping_sets(tuple_(), *(tuple_(k) for k in keys)))
        found = Breakdown(groups={by: {} for by in groups})
        for row in self.session.execute(stmt):
            values = row._mapping
            which = next((i for i in range(len(keys)) if values[f"grouped_{i}"] == 0), None)
            if which is None:
                found.totals = _counts_of(values, names)
            elif values[keys[which].name] is not None:
                found.groups[groups[which]][values[keys[which].name]] = _counts_of(values, names)
        if source.rolled and "overdue" in measures:
            waiting = source.waiting_overdue(scope, groups)
            found.totals["overdue"] += waiting[None][None]
            for by in groups:
                source.add_waiting(found.groups[by], waiting[by], measures)
        found.days = (
            self._rolled_days(scope, source)
            if source.rolled
            else self._days_in_one_pass(scope, w, zone)
        )
        return found

    def _rolled_days(
        self, scope: Scope, source: indicator_sources.CaseCounts
    ) -> dict[date, dict[str, int]]:
        """:meth:`daily` from the roll-up: its rows are per local day already."""
        stmt = (
            select(IndicatorDay.day, *source.sums(DAY_COLUMNS))
            .where(source.where(scope, daily=True))
            .group_by(IndicatorDay.day)
        )
        return {
            _as_date(row.day): {m: int(getattr(row, m) or 0) for m in DAY_COLUMNS}
            for row in self.session.execute(stmt)
        }

    def _days_in_one_pass(
        self, scope: Scope, w: Window, zone: ZoneInfo
    ) -> dict[date, dict[str, int]]:
        """PostgreSQL: :meth:`daily` in one pass over the period's cases — counted per pair
        of days (in parallel), then summed per day of each series."""
        every = case_predicates(w)
        pairs = (
            select(
                *(
                    sql_case(
                        (every[m], local_day(self.session, column, zone, w.start, w.end))
                    ).label(m)
                    for m, column in DAY_COLUMNS.items()
                ),
                func.count().label("n"),
            )
            .where(scope.clause(), or_(*(every[m] for m in DAY_COLUMNS)))
            # By position: PostgreSQL binds each parameter anew, so the expressions repeated
            # in GROUP BY would not match those selected.
            .group_by(*(literal_column(str(i + 1)) for i in range(len(DAY_COLUMNS))))
            .subquery()
        )
        days = [pairs.c[m] for m in DAY_COLUMNS]
        stmt = select(
            *days,
            *(func.grouping(d).label(f"grouped_{i}") for i, d in enumerate(days)),
            func.sum(pairs.c.n).label("n"),
        ).group_by(func.grouping_sets(*(tuple_(d) for d in days)))
        found: dict[date, dict[str, int]] = {}
        for row in self.session.execute(stmt):
            values = row._mapping
            measure = next(m for i, m in enumerate(DAY_COLUMNS) if values[f"grouped_{i}"] == 0)
            if values[measure] is not None:
                found.setdefault(_as_date(values[measure]), {})[measure] = int(values["n"])
        return found

    def _tuned(self) -> None:
        """For the rest of the transaction: no JIT (these short aggregates lose more to
        compiling, a fifth of a second, than it wins) and room to hash the groups instead
        of sorting the period's cases on disk."""
        self.session.execute(text("SET LOCAL jit = off"))
        self.session.execute(text("SET LOCAL work_mem = '64MB'"))

    def totals(self, scope: Scope, w: Window, measures: Collection[str]) -> dict[str, float]:
        """These counts over the whole scope, in one row."""
        if self.postgres:
            self._tuned()
        source = indicator_sources.case_counts(self.session, self.rollup, w)
        row = self.session.execute(select(*source.sums(measures)).where(source.where(scope)))
        found = counts_of(row.one())
        if source.rolled and "overdue" in measures:
            found["overdue"] += source.waiting_overdue(scope)[None][None]
        return found

    def grouped(
        self, scope: Scope, group: str, w: Window, measures: Collection[str]
    ) -> dict[str, dict[str, float]]:
        """These counts per value of a grouping column (street, community, grid, department,
        category); groups with nothing in the period are absent."""
        source = indicator_sources.case_counts(self.session, self.rollup, w)
        key = source.column(group)
        stmt = (
            select(key.label("key"), *source.sums(measures))
            .where(source.where(scope), key.is_not(None))
            .group_by(key)
        )
        found = {row.key: counts_of(row) for row in self.session.execute(stmt)}
        if source.rolled:
            source.add_waiting(
                found, source.waiting_overdue(scope, [group], total=False)[group], measures
            )
        return found

    def daily(self, scope: Scope, w: Window, zone: ZoneInfo) -> dict[date, dict[str, int]]:
        """Cases reported and cases registered per local day of the period."""
        source = indicator_sources.case_counts(self.session, self.rollup, w)
        if source.rolled:
            return self._rolled_days(scope, source)
        predicates = case_predicates(w)
        found: dict[date, dict[str, int]] = {}
        for measure, column in DAY_COLUMNS.items():
            day = local_day(self.session, column, zone, w.start, w.end)
            # Grouping over a subquery's column: PostgreSQL binds the zone once per use and
            # would not see two uses of the same expression as one.
            days = select(day.label("day")).where(scope.clause(), predicates[measure]).subquery()
            stmt = select(days.c.day, func.count().label("n")).group_by(days.c.day)
            for row in self.session.execute(stmt):
                found.setdefault(_as_date(row.day), {})[measure] = int(row.n)
        return found

    def _overdue_now(self, scope: Scope, now: datetime) -> Any:
        return select(Case).where(
            scope.clause(), text(STILL_OPEN), Case.deadline.is_not(None), Case.deadline < now
        )

    def overdue_now(self, scope: Scope, now: datetime) -> int:
        """Open cases past their deadline at ``now`` (an index holds the open ones by
        deadline)."""
        base = self._overdue_now(scope, now).subquery()
        return int(self.session.scalar(select(func.count()).select_from(base)) or 0)

    def overdue_now_cases(
        self,
        scope: Scope,
        now: datetime,
        *,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Case], int]:
        """The cases :meth:`overdue_now` counts, longest overdue first; and how many."""
        total = self.overdue_now(scope, now)
        stmt = (
            self._overdue_now(scope, now)
            .order_by(Case.deadline, Case.id)
            .limit(limit)
            .offset(offset)
        )
        return self.session.scalars(stmt).all(), total


def _counts_of(values: Any, names: Collection[str]) -> dict[str, float]:
    return {
        name: float(values[name] or 0) if name == "closing_hours" else int(values[name] or 0)
        for name in names
    }
