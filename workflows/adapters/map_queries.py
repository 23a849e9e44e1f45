"""The map's read side: cases per grid (density) and case points, over the case query's
statement (same filters, same "who may see what"), and the units' boundaries. Nothing here
writes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from workflows.adapters.models import Case, OrgUnit
from workflows.adapters.queries import CASE_SORTS, CaseFilter, CaseReach, CaseSearch


def overdue(closed: Collection[str], now: datetime) -> Any:
    """A case is overdue on the map when it is open and past its deadline or its overdue
    timer has fired (red alert)."""
    return and_(
        Case.status.not_in(list(closed)),
        or_(Case.deadline < now, Case.alert_level == "red"),
    )


@dataclass(frozen=True)
class CasePlace:
    """What the map shows of one case; ``lat``/``lon`` are the case's own (may be None)."""

    number: str
    title: str
    status: str
    category: str
    alert_level: str
    overdue: bool
    grid_key: str
    lat: float | None
    lon: float | None


def _place(row: Any) -> CasePlace:
    number, title, status, category, alert, late, grid, lat, lon = row
    return CasePlace(number, title, status, category, alert, bool(late), grid, lat, lon)


class MapQuery:
    """Density per grid and points of the cases a person may see that match a filter."""

    def __init__(self, session: Session):
        self.session = session
        self.search = CaseSearch(session)

    def density(
        self, reach: CaseReach, flt: CaseFilter, closed: Collection[str], now: datetime
    ) -> dict[str, tuple[int, int]]:
        """Grid key → (matching cases, of which overdue)."""
        late = func.sum(when((overdue(closed, now), 1), else_=0))
        stmt = (
            self.search.statement(reach, flt, closed)
            .with_only_columns(Case.grid_key, func.count(Case.id), late)
            .group_by(Case.grid_key)
        )
        return {grid: (n, int(n_late or 0)) for grid, n, n_late in self.session.execute(stmt)}

    def points(
        self,
        reach: CaseReach,
        flt: CaseFilter,
        closed: Collection[str],
        now: datetime,
        *,
        sort: str,
        descending: bool,
        limit: int,
    ) -> tuple[list[CasePlace], int]:
        """The first ``limit`` matching cases in the query's order, and how many match."""
        stmt = self.search.statement(reach, flt, closed)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        column = CASE_SORTS[sort]
        order = column.desc() if descending else column.asc()
        rows = self.session.execute(
            self._places(stmt, closed, now)
            .order_by(column.is_(None), order, Case.id.desc())
            .limit(limit)
        )
        return [_place(row) for row in rows], total

    def place(self, case_id: int, closed: Collection[str], now: datetime) -> CasePlace:
        stmt = self._places(select(Case).where(Case.id == case_id), closed, now)
        return _place(self.session.execute(stmt).one())

    @staticmethod
    def _places(stmt: Any, closed: Collection[str], now: datetime) -> Any:
        return stmt.with_only_columns(
            Case.number,
            Case.title,
            Case.status,
            Case.category,
            Case.alert_level,
            overdue(closed, now),
            Case.grid_key,
            Case.lat,
            Case.lon,
        )

    def boundaries(self, keys: Collection[str]) -> dict[str, dict[str, Any] | None]:
        """Unit key → its boundary (GeoJSON geometry) or None."""
        if not keys:
            return {}
        rows = self.session.execute(
            select(OrgUnit.key, OrgUnit.boundary).where(OrgUnit.key.in_(list(keys)))
        )
        return {key: boundary for key, boundary in rows}
