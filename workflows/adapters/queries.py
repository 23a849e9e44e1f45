"""The read side the lists are built from: inboxes (ready tasks joined with their cases,
filtered by what a person may see) and the supervisors' console. Nothing here writes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, TaskRecord
from engine.repositories import Visibility
from workflows.adapters.models import Case, OrgUnit

# The most tasks an inbox counts exactly; beyond, it says "1000+".
COUNT_CAP = 1000


@dataclass(frozen=True)
class InboxFilter:
    """Inbox filters; ``None`` means no filter. ``status`` is the case status."""

    role: str | None = None
    unit_key: str | None = None
    status: str | None = None
    category: str | None = None
    overdue: bool = False
    mine: bool = False
    search: str | None = None


class InboxQuery:
    """Ready tasks joined with their cases, filtered by what a person may see."""

    def __init__(self, session: Session):
        self.session = session

    def search(
        self, visibility: Visibility, flt: InboxFilter, *, now: datetime, limit: int, offset: int
    ) -> tuple[list[tuple[TaskRecord, Case]], int]:
        conds = [TaskRecord.state == "ready", visibility.clause()]
        if flt.role:
            conds.append(TaskRecord.role == flt.role)
        if flt.unit_key:
            conds.append(TaskRecord.unit_key == flt.unit_key)
        if flt.status:
            conds.append(Case.status == flt.status)
        if flt.category:
            conds.append(Case.category == flt.category)
        if flt.overdue:
            conds.append(TaskRecord.due_at < now)
        if flt.mine:
            conds.append(TaskRecord.assignee == visibility.person)
        if flt.search:
            like = f"%{flt.search}%"
            conds.append(
                or_(Case.number.like(like), Case.title.like(like), Case.address.like(like))
            )
        joined = select(TaskRecord, Case).join(Case, Case.instance_id == TaskRecord.instance_id)
        # Counted up to one past the cap only: an inbox of 100,000 says "1,000+" instead of
        # scanning them all on every page.
        matching = (
            select(TaskRecord.id)
            .join(Case, Case.instance_id == TaskRecord.instance_id)
            .where(*conds)
            .limit(COUNT_CAP + 1)
        )
        total = self.session.scalar(select(func.count()).select_from(matching.subquery()))
        stmt = (
            joined.where(*conds)
            .order_by(TaskRecord.due_at.is_(None), TaskRecord.due_at, TaskRecord.created_at)
            .limit(limit)
            .offset(offset)
        )
        return [(t, c) for t, c in self.session.execute(stmt)], total or 0


@dataclass(frozen=True)
class ConsoleFilter:
    """What the supervisors' console narrows to; ``unit_paths`` is the actor's reach."""

    unit_paths: tuple[str, ...]
    unit_path: str | None = None
    level: str | None = None
    department: str | None = None
    category: str | None = None
    older_than: datetime | None = None


class ConsoleQuery:
    """Open cases that need a supervisor: overdue, warned, stalled; and where cases wait."""

    def __init__(self, session: Session):
        self.session = session

    def _open(self, flt: ConsoleFilter, closed: Collection[str]) -> list[Any]:
        grid = OrgUnit.path
        conds: list[Any] = [Case.status.not_in(closed)]
        conds.append(or_(*[grid.startswith(p, autoescape=True) for p in flt.unit_paths]))
        if flt.unit_path:
            conds.append(grid.startswith(flt.unit_path, autoescape=True))
        if flt.level:
            review = select(OrgUnit.level).where(OrgUnit.key == Case.review_unit_key)
            conds.append(review.scalar_subquery() == flt.level)
        if flt.department:
            conds.append(Case.department_key == flt.department)
        if flt.category:
            conds.append(Case.category == flt.category)
        if flt.older_than:
            conds.append(Case.created_at < flt.older_than)
        return conds

    def cases(
        self,
        flt: ConsoleFilter,
        closed: Collection[str],
        kind: str,
        now: datetime,
        stalled_before: datetime,
        limit: int = 200,
    ) -> tuple[list[Case], int]:
        conds = self._open(flt, closed)
        if kind == "overdue":
            late = select(TaskRecord.instance_id).where(
                TaskRecord.state == "ready", TaskRecord.due_at < now
            )
            conds.append(or_(Case.alert_level == "red", Case.instance_id.in_(late)))
        elif kind == "warning":
            conds.append(Case.alert_level == "yellow")
        elif kind == "stalled":
            conds.append(Case.updated_at < stalled_before)
        elif kind == "suspended":
            conds.append(Case.suspended.is_(True))
        elif kind == "errored":
            failed = select(ProcessInstance.id).where(ProcessInstance.error.is_not(None))
            conds.append(Case.instance_id.in_(failed))
        base = select(Case).join(OrgUnit, OrgUnit.key == Case.grid_key).where(*conds)
        total = self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = self.session.scalars(base.order_by(Case.updated_at).limit(limit)).all()
        return list(rows), total

    def next_due(self, instance_ids: Collection[int]) -> dict[int, datetime]:
        """The earliest deadline among each instance's waiting tasks."""
        rows = self.session.execute(
            select(TaskRecord.instance_id, func.min(TaskRecord.due_at))
            .where(TaskRecord.state == "ready", TaskRecord.instance_id.in_(list(instance_ids)))
            .group_by(TaskRecord.instance_id)
        ).all()
        return {instance: due for instance, due in rows if due is not None}

    def heat(
        self, process_id: str, paths: tuple[str, ...], now: datetime
    ) -> list[tuple[str, int, float]]:
        """Per element of a process: open tasks waiting there and their average age (hours)."""
        rows = self.session.execute(
            select(TaskRecord.element_id, TaskRecord.created_at)
            .join(Case, Case.instance_id == TaskRecord.instance_id)
            .where(
                TaskRecord.state == "ready",
                Case.process_id == process_id,
                or_(*[TaskRecord.unit_path.startswith(p, autoescape=True) for p in paths]),
            )
        ).all()
        grouped: dict[str, list[float]] = {}
        for element, created in rows:
            grouped.setdefault(element, []).append((now - created).total_seconds() / 3600)
        return [(e, len(a), round(sum(a) / len(a), 1)) for e, a in sorted(grouped.items())]


@dataclass(frozen=True)
class CaseFilter:
    """The case query's filters (案件综合查询); ``None`` or empty means no filter."""

    statuses: tuple[str, ...] = ()
    category: str | None = None
    event_code: str | None = None
    grids: Collection[str] | None = None  # the unit subtree asked for, as its grids
    department: str | None = None
    channel: str | None = None
    reporter_id: int | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None  # exclusive
    closed_from: datetime | None = None
    closed_to: datetime | None = None  # exclusive
    overdue_at: datetime | None = None  # open and past its deadline at this moment
    text: str | None = None


CASE_SORTS = {
    "reported": Case.created_at,
    "updated": Case.updated_at,
    "deadline": Case.deadline,
    "number": Case.number,
}


@dataclass(frozen=True)
class CaseReach:
    """Which cases a person may see: every case in these grids or of these departments,
    their own reports, and cases with a task the task visibility shows them."""

    grids: Collection[str]
    reporter_id: int
    tasks: Visibility
    departments: Collection[str] = ()

    def clause(self) -> Any:
        shown = self.tasks.clause()
        if self.departments:
            shown = or_(shown, TaskRecord.unit_key.in_(list(self.departments)))
        with_task = select(TaskRecord.instance_id).where(shown)
        return or_(
            Case.grid_key.in_(list(self.grids)) if self.grids else false(),
            Case.department_key.in_(list(self.departments)) if self.departments else false(),
            Case.reporter_user_id == self.reporter_id,
            Case.instance_id.in_(with_task),
        )


class CaseSearch:
    """Cases matching a filter, within what a person may see, sorted and paged."""

    def __init__(self, session: Session):
        self.session = session

    def statement(self, reach: CaseReach, flt: CaseFilter, closed: Collection[str]) -> Any:
        conds: list[Any] = [reach.clause()]
        if flt.statuses:
            conds.append(Case.status.in_(flt.statuses))
        for column, value in (
            (Case.category, flt.category),
            (Case.event_code, flt.event_code),
            (Case.department_key, flt.department),
            (Case.channel, flt.channel),
            (Case.reporter_user_id, flt.reporter_id),
        ):
            if value is not None:
                conds.append(column == value)
        if flt.grids is not None:
            conds.append(Case.grid_key.in_(list(flt.grids)) if flt.grids else false())
        for column, start, end in (
            (Case.created_at, flt.reported_from, flt.reported_to),
            (Case.closed_at, flt.closed_from, flt.closed_to),
        ):
            if start is not None:
                conds.append(column >= start)
            if end is not None:
                conds.append(column < end)
        if flt.overdue_at is not None:
            conds += [Case.status.not_in(closed), Case.deadline < flt.overdue_at]
        if flt.text:
            like = f"%{flt.text}%"
            conds.append(
                or_(
                    Case.number.like(like),
                    Case.title.like(like),
                    Case.description.like(like),
                    Case.address.like(like),
                )
            )
        return select(Case).where(*conds)

    def page(
        self,
        reach: CaseReach,
        flt: CaseFilter,
        closed: Collection[str],
        *,
        sort: str,
        descending: bool,
        limit: int,
        offset: int,
    ) -> tuple[list[Case], int]:
        stmt = self.statement(reach, flt, closed)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        column = CASE_SORTS[sort]
        order = column.desc() if descending else column.asc()
        rows = self.session.scalars(
            stmt.order_by(column.is_(None), order, Case.id.desc()).limit(limit).offset(offset)
        ).all()
        return list(rows), total
