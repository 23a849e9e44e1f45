"""The read side the lists are built from: inboxes (ready tasks joined with their cases,
filtered by what a person may see) and the supervisors' console. Nothing here writes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, false, func, literal, or_, select, text, true, union
from sqlalchemy.orm import Session

from engine.db import UTCDateTime, without_parallel_workers
from engine.models import ProcessInstance, TaskRecord
from engine.repositories import Visibility
from workflows.adapters.indicator_predicates import hours_between
from workflows.adapters.models import STILL_OPEN, Case

# The most tasks an inbox counts exactly, and pages through; beyond, it says "1000+" and
# asks for a filter (an inbox is worked from the most urgent end).
COUNT_CAP = 1000
# Most urgent first: the nearest deadline, then the oldest; the id makes the order total.
INBOX_ORDER = (TaskRecord.due_at.asc().nulls_last(), TaskRecord.created_at, TaskRecord.id)
INBOX_ORDER_COLUMNS = (TaskRecord.due_at, TaskRecord.created_at)


def first_of_each(branches: Sequence[Any], order: Sequence[Any], n: int) -> Any:
    """The first ``n`` rows of each branch in ``order``, merged (duplicates once): each
    branch can then be read from an index that matches it, as far as a page needs, where
    one OR over them all would read and sort every row."""
    return union(*(select(b.order_by(*order).limit(n).subquery()) for b in branches)).subquery()


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
    """Ready tasks joined with their cases, filtered by what a person may see.

    Each way of seeing a task (own tasks, a role in a unit, a supervised subtree) is one
    branch of :func:`first_of_each`, read from an index of ready tasks that matches it.
    """

    def __init__(self, session: Session):
        self.session = session

    def search(
        self, visibility: Visibility, flt: InboxFilter, *, now: datetime, limit: int, offset: int
    ) -> tuple[list[tuple[TaskRecord, Case]], int]:
        without_parallel_workers(self.session)
        on_task: list[Any] = [TaskRecord.state == "ready"]
        on_case: list[Any] = []
        if flt.role:
            on_task.append(TaskRecord.role == flt.role)
        if flt.unit_key:
            on_task.append(TaskRecord.unit_key == flt.unit_key)
        if flt.overdue:
            on_task.append(TaskRecord.due_at < now)
        if flt.mine:
            on_task.append(TaskRecord.assignee == visibility.person)
        if flt.status:
            on_case.append(Case.status == flt.status)
        if flt.category:
            on_case.append(Case.category == flt.category)
        if flt.search:
            like = f"%{flt.search}%"
            on_case.append(
                or_(Case.number.like(like), Case.title.like(like), Case.address.like(like))
            )

        # Joined even without a filter on the case: steps of no case (care visits, volunteer
        # orders) have lists of their own and are not counted here.
        branches = [
            select(TaskRecord.id, *INBOX_ORDER_COLUMNS)
            .join(Case, Case.instance_id == TaskRecord.instance_id)
            .where(seen, *on_task, *on_case)
            for seen in visibility.branches()
        ]

        # Counted up to one past the cap only: an inbox of 100,000 says "1,000+".
        counted = first_of_each(branches, INBOX_ORDER, COUNT_CAP + 1)
        total = self.session.scalar(select(func.count()).select_from(counted)) or 0
        end = min(offset + limit, total, COUNT_CAP)  # pages reach the first COUNT_CAP only
        if offset >= end:
            return [], total
        shown = first_of_each(branches, INBOX_ORDER, end)
        stmt = (
            select(TaskRecord, Case)
            .join(shown, shown.c.id == TaskRecord.id)
            .join(Case, Case.instance_id == TaskRecord.instance_id)
            .order_by(*INBOX_ORDER)
            .limit(end - offset)
            .offset(offset)
        )
        return [(t, c) for t, c in self.session.execute(stmt)], total


@dataclass(frozen=True)
class ConsoleFilter:
    """What the supervisors' console narrows to: the units whose cases are in reach
    (``None``: every unit), and the units at a level a case's review may sit at."""

    units: Collection[str] | None
    review_units: Collection[str] | None = None
    department: str | None = None
    category: str | None = None
    older_than: datetime | None = None


class ConsoleQuery:
    """Open cases that need a supervisor: overdue, warned, stalled; and where cases wait.

    Each list is read in its order (the oldest change first) from an index of the open
    cases, and counted up to ``COUNT_CAP`` like an inbox."""

    def __init__(self, session: Session):
        self.session = session

    def _open(self, flt: ConsoleFilter) -> list[Any]:
        conds: list[Any] = [text(STILL_OPEN)]
        for column, keys in ((Case.grid_key, flt.units), (Case.review_unit_key, flt.review_units)):
            if keys is not None:
                conds.append(column.in_(list(keys)) if keys else false())
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
        kind: str,
        now: datetime,
        stalled_before: datetime,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[Case], int]:
        """The list ``kind``'s cases from ``offset`` (at most ``limit``; none read when 0),
        oldest change first, and its count up to ``COUNT_CAP + 1``."""
        kinds = {
            # Overdue: warned red, or a step past its deadline; read as two lists and merged.
            "overdue": [
                Case.alert_level == "red",
                exists().where(
                    TaskRecord.instance_id == Case.instance_id,
                    TaskRecord.state == "ready",
                    TaskRecord.due_at < now,
                ),
            ],
            "warning": [Case.alert_level == "yellow"],
            "stalled": [Case.updated_at < stalled_before],
            "suspended": [Case.suspended.is_(True)],
            "errored": [
                Case.instance_id.in_(
                    select(ProcessInstance.id).where(ProcessInstance.error.is_not(None))
                )
            ],
        }
        without_parallel_workers(self.session)
        conds = self._open(flt)

        branches = [select(Case.id, Case.updated_at).where(*conds, one) for one in kinds[kind]]
        order = (Case.updated_at, Case.id)
        counted = first_of_each(branches, order, COUNT_CAP + 1)
        total = self.session.scalar(select(func.count()).select_from(counted)) or 0
        if limit <= 0 or offset >= total:
            return [], total
        shown = first_of_each(branches, order, offset + limit)
        stmt = (
            select(Case)
            .join(shown, shown.c.id == Case.id)
            .order_by(*order)
            .offset(offset)
            .limit(limit)
        )
        return list(self.session.scalars(stmt)), total

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
        """Per element of a process: open tasks waiting there and their average age (hours),
        counted by the database."""
        age = hours_between(self.session, TaskRecord.created_at, literal(now, UTCDateTime()))
        rows = self.session.execute(
            select(TaskRecord.element_id, func.count(), func.avg(age))
            .where(
                TaskRecord.state == "ready",
                TaskRecord.process_id == process_id,
                or_(*[TaskRecord.unit_path.startswith(p, autoescape=True) for p in paths]),
            )
            .group_by(TaskRecord.element_id)
            .order_by(TaskRecord.element_id)
        ).all()
        return [(element, n, round(float(hours or 0), 1)) for element, n, hours in rows]


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
    """Which cases a person may see: every case in these grids (``None``: in every grid, so
    every case) or of these departments, their own reports, and cases with a task the task
    visibility shows them."""

    grids: Collection[str] | None
    reporter_id: int
    tasks: Visibility
    departments: Collection[str] = ()

    def clause(self) -> Any:
        if self.grids is None:  # every grid: every case
            return true()
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
        order = [column.desc() if descending else column.asc(), Case.id.desc()]
        if column.nullable:  # those without one last, on either database
            order.insert(0, column.is_(None))
        rows = self.session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).all()
        return list(rows), total
