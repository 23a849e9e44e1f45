"""Where case counts and department marks are summed from: the cases themselves, or the
roll-up of ``indicator_rollup`` when it can answer (whole local days, counted with the running
readings). Both give the same numbers; the roll-up reads a row per day and bucket instead of
a row per case."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
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
from workflows.adapters.indicator_rollup import RollupSpec, is_current
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
        """The rows of the scope that count in the window (``daily``: day rows even where
        month rows would do, for a series per day)."""
        if self.rolled:
            assert self.w.days is not None
            inside = _span(IndicatorDay, self.w.days, daily)
            return and_(scope.clause(IndicatorDay.grid_key, IndicatorDay.department_key), inside)
        every = case_predicates(self.w)
        return and_(scope.clause(), every["reported"] | every["due_to_close"])

    def waiting_overdue(self, scope: Scope, group: str | None) -> dict[str | None, int]:
        """Registered cases of the window still waiting past their deadline (what a rolled
        ``overdue`` lacks), per value of the grouping (None: in all)."""
        if not self.rolled:
            return {}
        key = GROUP_COLUMNS[group] if group else None
        stmt = select(*([key] if key is not None else []), func.count()).where(
            scope.clause(), waiting_late(self.w)
        )
        if key is not None:
            stmt = stmt.group_by(key)
            return {row[0]: int(row[1]) for row in self.session.execute(stmt)}
        return {None: int(self.session.scalar(stmt) or 0)}

    def add_waiting(
        self,
        found: dict[str, dict[str, float]],
        scope: Scope,
        group: str,
        measures: Collection[str],
    ) -> None:
        """Complete ``overdue`` of grouped counts read from the roll-up."""
        if not self.rolled or "overdue" not in measures:
            return
        for key, n in self.waiting_overdue(scope, group).items():
            if key is not None:
                row = found.setdefault(key, {m: 0 for m in (*measures, "closing_hours")})
                row["overdue"] += n


def _span(table: Any, days: tuple[date, date], daily: bool) -> ColumnElement[bool]:
    """Month rows when the period is whole months, else day rows."""
    first, last = days
    whole = first.day == 1 and (last + timedelta(days=1)).day == 1
    if whole and not daily:
        return and_(table.span == "month", table.day >= first, table.day <= last)
    return and_(table.span == "day", table.day >= first, table.day <= last)


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
