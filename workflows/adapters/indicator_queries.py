"""The indicator tables' queries: counts per row key, department marks, grid workers, and
the cases behind a number. What each count means is said once, by the predicates of
``indicator_predicates``; the sums come from the roll-up when it can answer
(``indicator_sources``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from workflows.adapters import indicator_sources
from workflows.adapters.indicator_predicates import (
    GROUP_COLUMNS,
    Scope,
    Window,
    case_predicates,
    counts_of,
    summed,
    worker_predicates,
)
from workflows.adapters.indicator_rollup import RollupSpec
from workflows.adapters.models import Case, DepartmentMark, User
from workflows.domain.indicators import MARK_KINDS


class IndicatorQuery:
    def __init__(self, session: Session, rollup: RollupSpec | None = None):
        self.session = session
        self.rollup = rollup

    def case_counts(self, scope: Scope, group: str, w: Window) -> dict[str, dict[str, float]]:
        """Case counts per value of the grouping column, plus the hours from registration
        to closure summed over closed cases (``closing_hours``)."""
        source = indicator_sources.case_counts(self.session, self.rollup, w)
        key = source.column(group)
        measures = list(case_predicates(w))
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

    def mark_counts(self, scope: Scope, w: Window) -> dict[str, dict[str, float]]:
        """Department marks per department, by the day they happened."""
        return indicator_sources.mark_counts(self.session, self.rollup, scope, w)

    def worker_counts(self, scope: Scope, w: Window) -> dict[str, dict[str, float]]:
        """Per grid worker (user name): reports by the reporter, verifications by the
        verifier."""
        p = worker_predicates(w)
        reports = {"reported": p["reported"], "valid": p["valid"], "major": p["major"]}
        checks = {"verified": p["verified"], "verified_on_time": p["verified_on_time"]}
        found: dict[str, dict[str, float]] = {}
        stmt = (
            select(User.username.label("key"), *summed(reports))
            .join(Case, Case.reporter_user_id == User.id)
            .where(scope.clause(), p["reported"])
            .group_by(User.username)
        )
        for row in self.session.execute(stmt):
            found.setdefault(row.key, {}).update(counts_of(row))
        stmt = (
            select(Case.verified_by.label("key"), *summed(checks))
            .where(scope.clause(), p["verified"])
            .group_by(Case.verified_by)
        )
        for row in self.session.execute(stmt):
            found.setdefault(row.key, {}).update(counts_of(row))
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
                DepartmentMark.kind == MARK_KINDS[measure],
                DepartmentMark.at >= w.start,
                DepartmentMark.at < w.end,
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
