"""The indicators in SQL: one predicate per count (``domain/indicators.py`` says what each
means), used both to count (``SUM(CASE WHEN …)`` grouped by the row's key) and to list the
cases behind a number, so that a drill-down always shows exactly what was counted."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from engine.db import UTCDateTime
from workflows.adapters.models import Case, DepartmentMark, User
from workflows.domain.indicators import MARK_KINDS, IndicatorSettings

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

    def clause(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.grids is not None:
            parts.append(Case.grid_key.in_(list(self.grids)) if self.grids else false())
        if self.department is not None:
            parts.append(Case.department_key == self.department)
        return and_(true(), *parts)


@dataclass(frozen=True)
class Window:
    """A period as UTC bounds ``[start, end)``, the readings, and the moment of the query."""

    start: datetime
    end: datetime
    settings: IndicatorSettings
    now: datetime


def _in(column: Any, w: Window) -> ColumnElement[bool]:
    return and_(column >= w.start, column < w.end)


def case_predicates(w: Window) -> dict[str, ColumnElement[bool]]:
    """Every case count as a predicate over one case row."""
    s = w.settings
    counted = Case.process_id.in_(s.processes)
    reported = and_(counted, _in(Case.created_at, w))
    valid = and_(reported, Case.status.not_in(INVALID))
    due_parts = [counted, _in(Case.registered_at, w)]
    if s.extended_leave_due:
        due_parts.append(Case.extended.is_(False))
    if s.suspended_leave_due:
        due_parts.append(Case.ever_suspended.is_(False))
    due = and_(*due_parts)
    closed = and_(due, Case.status.in_(CLOSED))
    done = func.coalesce(Case.handled_at, Case.closed_at)
    on_time = or_(Case.deadline.is_(None), done <= Case.deadline)
    handled = and_(due, Case.handled_at.is_not(None))
    evaluated = and_(due, Case.satisfaction.is_not(None))
    if s.satisfied_by_default == "excluded":
        evaluated = and_(evaluated, Case.satisfaction != "satisfied_by_default")
    late = func.coalesce(Case.handled_at, literal(w.now, UTCDateTime())) > Case.deadline
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
        "overdue": and_(due, Case.deadline.is_not(None), late),
        "supervised": and_(due, Case.supervised.is_(True)),
        "evaluated": evaluated,
        **{level: and_(due, Case.satisfaction == level) for level in SATISFACTION},
    }


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


def _summed(predicates: dict[str, ColumnElement[bool]]) -> list[Any]:
    return [func.sum(sql_case((p, 1), else_=0)).label(name) for name, p in predicates.items()]


class IndicatorQuery:
    def __init__(self, session: Session):
        self.session = session

    def case_counts(self, scope: Scope, group: str, w: Window) -> dict[str, dict[str, float]]:
        """Case counts per value of the grouping column, plus the hours from registration
        to closure summed over closed cases (``closing_hours``)."""
        key = GROUP_COLUMNS[group]
        predicates = case_predicates(w)
        hours = hours_between(self.session, Case.registered_at, Case.closed_at)
        stmt = (
            select(
                key.label("key"),
                *_summed(predicates),
                func.sum(sql_case((predicates["closed"], hours), else_=0)).label("closing_hours"),
            )
            .where(scope.clause(), key.is_not(None), self._touched(predicates))
            .group_by(key)
        )
        return {row.key: _counts(row) for row in self.session.execute(stmt)}

    def mark_counts(self, scope: Scope, w: Window) -> dict[str, dict[str, float]]:
        """Department marks per department, by the day they happened."""
        m = DepartmentMark
        sums = [
            func.sum(sql_case((m.kind == kind, 1), else_=0)).label(name)
            for name, kind in MARK_KINDS.items()
        ]
        stmt = (
            select(m.department_key.label("key"), *sums)
            .join(Case, Case.id == m.case_id)
            .where(scope.clause(), _in(m.at, w), m.kind.in_(list(MARK_KINDS.values())))
            .group_by(m.department_key)
        )
        return {row.key: _counts(row) for row in self.session.execute(stmt)}

    def worker_counts(self, scope: Scope, w: Window) -> dict[str, dict[str, float]]:
        """Per grid worker (user name): reports by the reporter, verifications by the
        verifier."""
        p = worker_predicates(w)
        reports = {"reported": p["reported"], "valid": p["valid"], "major": p["major"]}
        checks = {"verified": p["verified"], "verified_on_time": p["verified_on_time"]}
        found: dict[str, dict[str, float]] = {}
        stmt = (
            select(User.username.label("key"), *_summed(reports))
            .join(Case, Case.reporter_user_id == User.id)
            .where(scope.clause(), p["reported"])
            .group_by(User.username)
        )
        for row in self.session.execute(stmt):
            found.setdefault(row.key, {}).update(_counts(row))
        stmt = (
            select(Case.verified_by.label("key"), *_summed(checks))
            .where(scope.clause(), p["verified"])
            .group_by(Case.verified_by)
        )
        for row in self.session.execute(stmt):
            found.setdefault(row.key, {}).update(_counts(row))
        return found

    def cases_behind(
        self,
        scope: Scope,
        group: str,
        key: str | None,
        measure: str,
        w: Window,
        *,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Case], int]:
        """The cases a count counted, for one row (``key``) or for the total (None).

        Raises:
            KeyError: the measure is not a count of that grouping.
        """
        if measure in MARK_KINDS and group == "department":
            marked = select(DepartmentMark.case_id).where(
                DepartmentMark.kind == MARK_KINDS[measure], _in(DepartmentMark.at, w)
            )
            if key is not None:
                marked = marked.where(DepartmentMark.department_key == key)
            condition: ColumnElement[bool] = Case.id.in_(marked)
        elif group == "grid_worker":
            condition = worker_predicates(w)[measure]
            if key is not None:
                reporter = select(User.id).where(User.username == key).scalar_subquery()
                by = (
                    Case.verified_by == key
                    if "verified" in measure
                    else (Case.reporter_user_id == reporter)
                )
                condition = and_(condition, by)
        else:
            condition = case_predicates(w)[measure]
            if key is not None:
                condition = and_(condition, GROUP_COLUMNS[group] == key)
        base = select(Case).where(scope.clause(), condition)
        total = self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = self.session.scalars(base.order_by(Case.id).limit(limit).offset(offset)).all()
        return rows, total

    @staticmethod
    def _touched(predicates: dict[str, ColumnElement[bool]]) -> ColumnElement[bool]:
        """Only rows that count somewhere (reported or registered in the period)."""
        return or_(predicates["reported"], predicates["due_to_close"])


def _counts(row: Any) -> dict[str, float]:
    return {
        name: float(value or 0) if name == "closing_hours" else int(value or 0)
        for name, value in row._mapping.items()
        if name != "key"
    }
