"""The indicators in SQL: one predicate per count (``domain/indicators.py`` says what each
means) over one case row, used to count (``SUM(CASE WHEN …)``), to fill the roll-up and to
list the cases behind a number, so that a drill-down always shows exactly what was counted."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from engine.db import UTCDateTime
from workflows.adapters.models import Case
from workflows.domain.indicators import IndicatorSettings

GROUP_COLUMNS = {
    "street": Case.street_key,
    "community": Case.community_key,
    "grid": Case.grid_key,
    "department": Case.department_key,
    "category": Case.category,
}
CLOSED = ("closed", "evaluated")
INVALID = ("rejected", "merged")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied", "satisfied_by_default")


@dataclass(frozen=True)
class Scope:
    """Which cases a request covers: those of these grids (None: any grid), of this
    department (None: any)."""

    grids: Collection[str] | None = None
    department: str | None = None

    def clause(
        self, grid: Any = Case.grid_key, department: Any = Case.department_key
    ) -> ColumnElement[bool]:
        """The filter over the cases, or over a table with such grid and department columns."""
        parts: list[ColumnElement[bool]] = []
        if self.grids is not None:
            parts.append(grid.in_(list(self.grids)) if self.grids else false())
        if self.department is not None:
            parts.append(department == self.department)
        return and_(true(), *parts)


@dataclass(frozen=True)
class Window:
    """A period as UTC bounds ``[start, end)``, the readings, and the moment of the query;
    ``days`` the first and last local day when the period is whole days (the roll-up can
    answer it then)."""

    start: datetime
    end: datetime
    settings: IndicatorSettings
    now: datetime
    days: tuple[date, date] | None = None


def _in(column: Any, w: Window) -> ColumnElement[bool]:
    return and_(column >= w.start, column < w.end)


def case_predicates(w: Window) -> dict[str, ColumnElement[bool]]:
    """Every case count as a predicate over one case row."""
    s = w.settings
    counted = Case.process_id.in_(s.processes)
    reported = and_(counted, _in(Case.created_at, w))
    valid = and_(reported, Case.status.not_in(INVALID))
    due = due_predicate(w)
    closed = and_(due, Case.status.in_(CLOSED))
    done = func.coalesce(Case.handled_at, Case.closed_at)
    on_time = or_(Case.deadline.is_(None), done <= Case.deadline)
    handled = and_(due, Case.handled_at.is_not(None))
    evaluated = and_(due, Case.satisfaction.is_not(None))
    if s.satisfied_by_default == "excluded":
        evaluated = and_(evaluated, Case.satisfaction != "satisfied_by_default")
    return {
        "reported": reported,
        "valid": valid,
        "due_to_close": due,
        "closed": closed,
        "closed_on_time": and_(closed, on_time),
        "due_to_handle": due,
        "handled": handled,
        "handled_on_time": and_(handled, on_time),
        "dispatched": and_(due, Case.dispatched_at.is_not(None)),
        "returned": and_(due, Case.return_count > 0),
        "reworked": and_(due, Case.rework_count > 0),
        "extended": and_(due, Case.extended.is_(True)),
        "overdue": or_(_fed_back_late(due), waiting_late(w)),
        "supervised": and_(due, Case.supervised.is_(True)),
        "evaluated": evaluated,
        **{level: and_(due, Case.satisfaction == level) for level in SATISFACTION},
    }


def _fed_back_late(due: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(due, Case.deadline.is_not(None), Case.handled_at > Case.deadline)


def waiting_late(w: Window) -> ColumnElement[bool]:
    """The part of ``overdue`` that depends on the moment of asking: registered in the
    period, not fed back, the deadline past."""
    due = due_predicate(w)
    now = literal(w.now, UTCDateTime())
    return and_(due, Case.handled_at.is_(None), Case.deadline.is_not(None), Case.deadline < now)


def due_predicate(w: Window) -> ColumnElement[bool]:
    """Due to close (and to handle) in the period, as the readings say."""
    s = w.settings
    parts = [Case.process_id.in_(s.processes), _in(Case.registered_at, w)]
    if s.extended_leave_due:
        parts.append(Case.extended.is_(False))
    if s.suspended_leave_due:
        parts.append(Case.ever_suspended.is_(False))
    return and_(*parts)


def fixed_predicates(w: Window) -> dict[str, ColumnElement[bool]]:
    """The counts that do not change with the moment of asking (what the roll-up keeps):
    every case count but ``overdue``, and ``overdue_fed_back`` in its place."""
    found = case_predicates(w)
    del found["overdue"]
    found["overdue_fed_back"] = _fed_back_late(found["due_to_close"])
    return found


def worker_predicates(w: Window) -> dict[str, ColumnElement[bool]]:
    """Grid worker counts: their reports (by report day), their verifications (by day)."""
    cases = case_predicates(w)
    counted = Case.process_id.in_(w.settings.processes)
    verified = and_(counted, _in(Case.verified_at, w))
    return {
        "reported": cases["reported"],
        "valid": cases["valid"],
        "major": and_(cases["valid"], Case.priority == w.settings.major_hazard_priority),
        "verified": verified,
        "verified_on_time": and_(verified, Case.verified_on_time.is_(True)),
    }


def hours_between(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def summed(predicates: dict[str, ColumnElement[bool]]) -> list[Any]:
    return [func.sum(sql_case((p, 1), else_=0)).label(name) for name, p in predicates.items()]


def counts_of(row: Any) -> dict[str, float]:
    """A result row's counts by name (``closing_hours`` a float), its ``key`` left out."""
    return {
        name: float(value or 0) if name == "closing_hours" else int(value or 0)
        for name, value in row._mapping.items()
        if name != "key"
    }
