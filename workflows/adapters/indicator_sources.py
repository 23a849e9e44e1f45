"""Where case counts and department marks are summed from: the cases themselves, or the
roll-up of ``indicator_rollup`` when it can answer (whole local days, counted with the running
readings). Both give the same numbers; the roll-up reads a row per day and bucket instead of
a row per case."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, tuple_
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from workflows.adapters.indicator_predicates import (
    GROUP_COLUMNS,
    Scope,
    Window,
    case_predicates,
    counts_of,
    hours_between,
    summed,
    waiting_late,
)
from workflows.adapters.indicator_rollup import DAY_TOTAL, RollupSpec, is_current
from workflows.adapters.models import Case, DepartmentMark, IndicatorDay, MarkDay
from workflows.domain.indicators import MARK_KINDS

ROLLED_GROUPS = {
    "street": IndicatorDay.street_key,
    "community": IndicatorDay.community_key,
    "grid": IndicatorDay.grid_key,
    "department": IndicatorDay.department_key,
    "category": IndicatorDay.category,
}


@dataclass
class CaseCounts:
    """How to sum case counts over a window: group columns, sums, the rows' filter, the
    day columns of the daily series; ``rolled`` when ``overdue`` still lacks the waiting
    cases (:meth:`waiting_overdue` adds them)."""

    session: Session
    w: Window
    rolled: bool

    def column(self, group: str) -> Any:
        return (ROLLED_GROUPS if self.rolled else GROUP_COLUMNS)[group]

    def sums(self, measures: Collection[str]) -> list[Any]:
        """Labelled sums of these counts and of ``closing_hours``."""
        if self.rolled:
            column = {"overdue": "overdue_fed_back"}
            return [
                func.sum(getattr(IndicatorDay, column.get(m, m))).label(m)
                for m in (*measures, "closing_hours")
            ]
        every = case_predicates(self.w)
        spent = hours_between(self.session, Case.registered_at, Case.closed_at)
        hours = func.sum(sql_case((every["closed"], spent), else_=0)).label("closing_hours")
        return [*summed({m: every[m] for m in measures}), hours]

    def where(self, scope: Scope, *, daily: bool = False) -> ColumnElement[bool]:
        """The rows of the scope that count in the window (``daily``: a row per day, summed
        over the categories, for a series per day)."""
        if self.rolled:
            assert self.w.days is not None
            inside = _span(IndicatorDay, self.w.days, daily)
            return and_(scope.clause(IndicatorDay.grid_key, IndicatorDay.department_key), inside)
        every = case_predicates(self.w)
        return and_(scope.clause(), every["reported"] | every["due_to_close"])

    def waiting_overdue(
        self, scope: Scope, groups: Sequence[str] = (), *, total: bool = True
    ) -> dict[str | None, dict[Any, int]]:
        """Registered cases of the window still waiting past their deadline (what a rolled
        ``overdue`` lacks): in all (under None, key None; unless not ``total``) and per
        value of each grouping — on PostgreSQL in one pass (grouping sets), on SQLite a
        query per part. Empty when the counts come from the cases."""
        if not self.rolled:
            return {}
        late = and_(scope.clause(), waiting_late(self.w))
        keys = [GROUP_COLUMNS[g].label(f"key_{i}") for i, g in enumerate(groups)]
        if self.session.get_bind().dialect.name != "postgresql" or not keys:
            found: dict[str | None, dict[Any, int]] = {}
            if total:
                counted = self.session.scalar(select(func.count()).where(late))
                found[None] = {None: int(counted or 0)}
            for group, key in zip(groups, keys, strict=True):
                stmt = select(key, func.count()).where(late).group_by(key)
                found[group] = {row[0]: int(row[1]) for row in self.session.execute(stmt)}
            return found
        columns = [GROUP_COLUMNS[g] for g in groups]
        stmt = (
            select(
                *keys,
                *(func.grouping(c).label(f"grouped_{i}") for i, c in enumerate(columns)),
                func.count().label("n"),
            )
            .where(late)
            .group_by(
                func.grouping_sets(*([tuple_()] if total else []), *(tuple_(c) for c in columns))
            )
        )
        found = {**({None: {None: 0}} if total else {}), **{g: {} for g in groups}}
        for row in self.session.execute(stmt):
            values = row._mapping
            which = next((i for i in range(len(groups)) if values[f"grouped_{i}"] == 0), None)
            if which is None:
                found[None][None] = int(values["n"])
            else:
                found[groups[which]][values[f"key_{which}"]] = int(values["n"])
        return found

    def add_waiting(
        self, found: dict[str, dict[str, float]], waiting: dict[Any, int], measures: Collection[str]
    ) -> None:
        """Complete ``overdue`` of grouped counts read from the roll-up with the waiting
        cases per group (:meth:`waiting_overdue`)."""
        if "overdue" not in measures:
            return
        for key, n in waiting.items():
            if key is not None:
                row = found.setdefault(key, {m: 0 for m in (*measures, "closing_hours")})
                row["overdue"] += n


def _span(table: Any, days: tuple[date, date], daily: bool) -> ColumnElement[bool]:
    """Month rows when the period is whole months, else day rows (``daily``: the day
    totals)."""
    first, last = days
    whole = first.day == 1 and (last + timedelta(days=1)).day == 1
    span = DAY_TOTAL if daily else ("month" if whole else "day")
    return and_(table.span == span, table.day >= first, table.day <= last)


def case_counts(session: Session, spec: RollupSpec | None, w: Window) -> CaseCounts:
    """The roll-up when it can answer this window, else the cases."""
    rolled = (
        spec is not None
        and w.days is not None
        and w.settings == spec.settings
        and _current(session, spec)
    )
    return CaseCounts(session, w, rolled)


def _current(session: Session, spec: RollupSpec) -> bool:
    """:func:`is_current`, asked once per session: an overview reads a dozen tables."""
    key = ("rollup current", spec.fingerprint)
    if key not in session.info:
        session.info[key] = is_current(session, spec)
    return bool(session.info[key])


def mark_counts(
    session: Session, spec: RollupSpec | None, scope: Scope, w: Window
) -> dict[str, dict[str, float]]:
    """Department marks per marked department, by the day they happened."""
    if case_counts(session, spec, w).rolled:
        assert w.days is not None
        sums = [
            func.sum(sql_case((MarkDay.kind == kind, MarkDay.n), else_=0)).label(name)
            for name, kind in MARK_KINDS.items()
        ]
        stmt = (
            select(MarkDay.department_key.label("key"), *sums)
            .where(
                scope.clause(MarkDay.grid_key, MarkDay.case_department_key),
                _span(MarkDay, w.days, daily=False),
            )
            .group_by(MarkDay.department_key)
        )
        return {row.key: counts_of(row) for row in session.execute(stmt)}
    m = DepartmentMark
    sums = [
        func.sum(sql_case((m.kind == kind, 1), else_=0)).label(name)
        for name, kind in MARK_KINDS.items()
    ]
    stmt = (
        select(m.department_key.label("key"), *sums)
        .join(Case, Case.id == m.case_id)
        .where(
            scope.clause(),
            m.at >= w.start,
            m.at < w.end,
            m.kind.in_(list(MARK_KINDS.values())),
        )
        .group_by(m.department_key)
    )
    return {row.key: counts_of(row) for row in session.execute(stmt)}
