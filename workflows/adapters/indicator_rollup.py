"""The indicator roll-up: the case counts of ``indicator_queries`` per local day and bucket
(street, community, grid, department, category), and the department marks per day; with
each day, its sums over the categories (the series per day), and with each month, its sums.

How it stays correct. A *bucket* is one local day of one grid. Whenever a transaction flushes
a change to a case column that some count reads (or a new department mark), the buckets the
case counted in before and after the change are noted; just before the transaction commits,
they are written to ``indicator_pending`` (one statement), in the same transaction as the
change. Whoever reads the indicators next — a reader, before reading, or the worker's sweep —
settles them (:func:`settle`): counts each pending bucket again from the cases themselves,
with the very predicates the live queries use, replaces what was stored and removes the
pending row.
So no reader sees the roll-up behind the cases it has committed, and a step pays one
statement for it instead of eight. On PostgreSQL a settler locks the pending rows it counts:
a step noting one of them waits for that count to commit and then notes it anew, so a change
made while counting is counted next time; two settlers take turns (and an advisory lock per
bucket keeps two recounts of one bucket apart). "Overdue" depends on the moment of asking,
so the roll-up keeps only cases fed back late; readers add the registered cases still
waiting past their deadline from the cases (a partial index holds those).

The counts depend on the catalog's indicator readings and the city's time zone; the state row
records which ones they were made with, and readers fall back to counting the cases while it
differs — :func:`rebuild` (run by ``gridcase init-db`` and at start) counts everything anew.
Rows written around the unit of work (bulk seeding) need :func:`rebuild` too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case as sql_case
from sqlalchemy import delete, func, insert, inspect, literal, select
from sqlalchemy.orm import Session, UOWTransaction

from engine.db import upsert_insert
from workflows.adapters.indicator_predicates import (
    Window,
    fixed_predicates,
    hours_between,
)
from workflows.adapters.models import (
    ROLLED_COUNTS,
    Case,
    DepartmentMark,
    IndicatorDay,
    MarkDay,
    RollupPending,
    RollupState,
)
from workflows.domain.indicators import MARK_KINDS, IndicatorSettings

STATE = "indicators"
# What the rows hold; a new layout makes every stored roll-up stale (it is counted anew).
LAYOUT = 3  # 1: days; 2: and months; 3: and day totals over the categories
DAY_TOTAL = "day_total"
# The case columns some count reads: a change to any other column leaves the roll-up alone.
WATCHED = (
    "process_id",
    "category",
    "priority",
    "grid_key",
    "street_key",
    "community_key",
    "department_key",
    "status",
    "deadline",
    "created_at",
    "registered_at",
    "dispatched_at",
    "handled_at",
    "closed_at",
    "return_count",
    "rework_count",
    "satisfaction",
    "extended",
    "ever_suspended",
    "supervised",
)
# Columns whose change moves the case's department marks to other buckets.
MARK_SCOPE = ("grid_key", "department_key")

Bucket = tuple[date, str]  # (local day, grid key)


@dataclass(frozen=True)
class RollupSpec:
    """What the counts are made with: the city's zone and the catalog's readings."""

    zone: ZoneInfo
    settings: IndicatorSettings

    @cached_property
    def fingerprint(self) -> str:
        described = json.dumps([LAYOUT, self.zone.key, asdict(self.settings)], sort_keys=True)
        return hashlib.sha256(described.encode()).hexdigest()

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """The UTC instants a local day starts and ends at."""

        def utc(d: date) -> datetime:
            return datetime.combine(d, time(0), self.zone).astimezone(UTC)

        return utc(day), utc(day + timedelta(days=1))


@dataclass(frozen=True)
class Changed:
    """The buckets to count again: of cases (``indicator_days``) and of department marks
    (``department_mark_days``) — most steps touch no mark, and their mark rows stay."""

    cases: frozenset[Bucket]
    marks: frozenset[Bucket]

    def __bool__(self) -> bool:
        return bool(self.cases or self.marks)


@dataclass
class ChangedBuckets:
    """Collects, flush after flush, the buckets a transaction's changes touch."""

    spec: RollupSpec
    buckets: set[Bucket] = field(default_factory=set)
    mark_buckets: set[Bucket] = field(default_factory=set)

    def after_flush(self, session: Session, _context: UOWTransaction) -> None:
        for obj in [*session.new, *session.dirty, *session.deleted]:
            if isinstance(obj, Case):
                self._case(session, obj)
            elif isinstance(obj, DepartmentMark) and obj in session.new:
                owner = session.get(Case, obj.case_id)
                if owner is not None and obj.at is not None:
                    self.mark_buckets.add((self.spec.local_day(obj.at), owner.grid_key))

    def _case(self, session: Session, case: Case) -> None:
        state = inspect(case)
        histories = {name: state.attrs[name].history for name in WATCHED}
        if not (case in session.new or case in session.deleted) and not any(
            h.has_changes() for h in histories.values()
        ):
            return
        grids = _values(case.grid_key, histories["grid_key"])
        instants = [
            *_values(case.created_at, histories["created_at"]),
            *_values(case.registered_at, histories["registered_at"]),
        ]
        marked: list[datetime] = []
        if any(histories[name].has_changes() for name in MARK_SCOPE) and case.id is not None:
            marked = list(
                session.scalars(
                    select(DepartmentMark.at).where(DepartmentMark.case_id == case.id)
                ).all()
            )
        for grid in grids:
            for at in instants:
                self.buckets.add((self.spec.local_day(at), grid))
            for at in marked:
                self.mark_buckets.add((self.spec.local_day(at), grid))

    def take(self) -> Changed:
        taken = Changed(frozenset(self.buckets), frozenset(self.mark_buckets))
        self.buckets, self.mark_buckets = set(), set()
        return taken


def _values(current: Any, history: Any) -> set[Any]:
    """The attribute's value now and before this flush (None left out)."""
    found = {current, *history.deleted}
    found.discard(None)
    return found


def note_pending(session: Session, changed: Changed) -> None:
    """Write the buckets a transaction changed to the pending rows (one statement; the
    caller commits). Rows are written in key order, so two steps never wait crosswise."""
    rows = [
        {
            "day": day,
            "grid_key": grid,
            "cases": bucket in changed.cases,
            "marks": bucket in changed.marks,
        }
        for bucket in sorted(changed.cases | changed.marks)
        for day, grid in (bucket,)
    ]
    pending = RollupPending.__table__.c
    upsert = upsert_insert(session)(RollupPending.__table__).values(rows)
    session.connection().execute(  # a plain statement: no rows of the session involved
        upsert.on_conflict_do_update(
            index_elements=[pending.day, pending.grid_key],
            set_={
                "cases": pending.cases | upsert.excluded.cases,
                "marks": pending.marks | upsert.excluded.marks,
            },
        )
    )


def settle(session: Session, spec: RollupSpec) -> int:
    """Count the pending buckets again and remove their rows (the caller commits); the
    number of buckets counted. On PostgreSQL the pending rows stay locked until the commit,
    so that a step noting one of them meanwhile notes it again after."""
    stmt = select(RollupPending).order_by(RollupPending.day, RollupPending.grid_key)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    found = list(session.scalars(stmt))
    if not found:
        return 0
    changed = Changed(
        frozenset((p.day, p.grid_key) for p in found if p.cases),
        frozenset((p.day, p.grid_key) for p in found if p.marks),
    )
    recount(session, spec, changed)
    for row in found:
        session.delete(row)
    session.flush()
    return len(found)


def recount(session: Session, spec: RollupSpec, changed: Changed | Iterable[Bucket]) -> None:
    """Count these buckets again from the cases (and marks) and replace what the roll-up
    held, then their months from their days. Locks are taken days first, then months, each
    in order, so that two transactions never wait for each other crosswise. A plain list
    of buckets counts both."""
    if not isinstance(changed, Changed):
        every = frozenset(changed)
        changed = Changed(every, every)
    postgres = session.get_bind().dialect.name == "postgresql"
    days = sorted(changed.cases | changed.marks)
    for day, grid in days:
        if postgres:
            session.execute(select(func.pg_advisory_xact_lock(_lock_key("day", day, grid))))
        bucket = (day, grid)
        _count_day(session, spec, day, grid, bucket in changed.cases, bucket in changed.marks)
    months: dict[Bucket, tuple[bool, bool]] = {}
    for day, grid in days:
        key = (day.replace(day=1), grid)
        cases, marks = months.get(key, (False, False))
        months[key] = (cases or (day, grid) in changed.cases, marks or (day, grid) in changed.marks)
    for (month, grid), (cases, marks) in sorted(months.items()):
        if postgres:
            session.execute(select(func.pg_advisory_xact_lock(_lock_key("month", month, grid))))
        _sum_days(session, "month", month, _next_month(month), grid, cases, marks)


def _lock_key(span: str, day: date, grid: str) -> int:
    digest = hashlib.blake2b(f"rollup:{span}:{day}:{grid}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _count_month(session: Session, month: date, grid: str | None) -> None:
    """Replace a month's rows (of one grid, or of all) by the sums of its day rows."""
    _sum_days(session, "month", month, _next_month(month), grid)


def _sum_days(
    session: Session,
    span: str,
    first: date,
    end: date,
    grid: str | None,
    cases: bool = True,
    marks: bool = True,
) -> None:
    """Replace the ``span`` rows of ``first`` (of one grid, or of all) by the sums of the
    day rows in ``[first, end)``: per bucket for a month; over the categories for a day
    total (its category left empty; department marks have no day totals). ``cases`` and
    ``marks`` say which of the two tables to sum."""
    day_total = span == DAY_TOTAL
    tables = []
    if cases:
        tables.append(
            (
                IndicatorDay,
                ("street_key", "community_key", "grid_key", "department_key")
                + (() if day_total else ("category",)),
                {"category": ""} if day_total else {},
                (*ROLLED_COUNTS, "closing_hours"),
            )
        )
    if marks and not day_total:
        keys = ("grid_key", "case_department_key", "department_key", "kind")
        tables.append((MarkDay, keys, {}, ("n",)))
    for table, keys, fixed, sums in tables:
        old = delete(table).where(table.span == span, table.day == first)
        days = (
            select(
                literal(span).label("span"),
                literal(first).label("day"),
                *(getattr(table, k) for k in keys),
                *(literal(v).label(k) for k, v in fixed.items()),
                *(func.sum(getattr(table, c)) for c in sums),
            )
            .where(table.span == "day", table.day >= first, table.day < end)
            .group_by(*(getattr(table, k) for k in keys))
        )
        if grid is not None:
            old = old.where(table.grid_key == grid)
            days = days.where(table.grid_key == grid)
        session.execute(old)
        columns = ["span", "day", *keys, *fixed, *sums]
        session.execute(insert(table).from_select(columns, days))


def _count_day(
    session: Session,
    spec: RollupSpec,
    day: date,
    grid: str | None,
    cases: bool = True,
    marks: bool = True,
) -> None:
    """Replace one day's rows (of one grid, or of all grids) by a fresh count: of the cases
    and of the department marks, or only the one asked for."""
    start, end = spec.bounds(day)
    if cases:
        _count_day_cases(session, spec, day, grid, start, end)
    if marks:
        _count_day_marks(session, day, grid, start, end)


def _count_day_cases(
    session: Session, spec: RollupSpec, day: date, grid: str | None, start: datetime, end: datetime
) -> None:
    w = Window(start, end, spec.settings, end)
    rows = delete(IndicatorDay).where(IndicatorDay.span == "day", IndicatorDay.day == day)
    if grid is not None:
        rows = rows.where(IndicatorDay.grid_key == grid)
    session.execute(rows)
    predicates = fixed_predicates(w)
    keys = (
        Case.street_key,
        Case.community_key,
        Case.grid_key,
        Case.department_key,
        Case.category,
    )
    spent = hours_between(session, Case.registered_at, Case.closed_at)
    counted = (
        select(
            literal(day).label("day"),
            *keys,
            *(func.sum(sql_case((predicates[n], 1), else_=0)) for n in ROLLED_COUNTS),
            func.coalesce(func.sum(sql_case((predicates["closed"], spent), else_=0)), 0.0),
        )
        .where(predicates["reported"] | predicates["due_to_close"])
        .group_by(*keys)
    )
    if grid is not None:
        counted = counted.where(Case.grid_key == grid)
    columns = ["day", "street_key", "community_key", "grid_key", "department_key", "category"]
    session.execute(
        insert(IndicatorDay).from_select([*columns, *ROLLED_COUNTS, "closing_hours"], counted)
    )
    _sum_days(session, DAY_TOTAL, day, day + timedelta(days=1), grid)


def _count_day_marks(
    session: Session, day: date, grid: str | None, start: datetime, end: datetime
) -> None:
    old = delete(MarkDay).where(MarkDay.span == "day", MarkDay.day == day)
    if grid is not None:
        old = old.where(MarkDay.grid_key == grid)
    session.execute(old)
    m = DepartmentMark
    mark_keys = (Case.grid_key, Case.department_key, m.department_key, m.kind)
    marked = (
        select(literal(day).label("day"), *mark_keys, func.count())
        .join(Case, Case.id == m.case_id)
        .where(m.at >= start, m.at < end, m.kind.in_(list(MARK_KINDS.values())))
        .group_by(*mark_keys)
    )
    if grid is not None:
        marked = marked.where(Case.grid_key == grid)
    session.execute(
        insert(MarkDay).from_select(
            ["day", "grid_key", "case_department_key", "department_key", "kind", "n"], marked
        )
    )


def is_current(session: Session, spec: RollupSpec) -> bool:
    """Whether the roll-up was counted with these readings (readers may use it)."""
    found = session.get(RollupState, STATE)
    return found is not None and found.fingerprint == spec.fingerprint


def rebuild(session: Session, spec: RollupSpec, now: datetime) -> int:
    """Count every day anew (the caller commits); the number of days counted."""
    session.execute(delete(IndicatorDay))
    session.execute(delete(MarkDay))
    session.execute(delete(RollupPending))
    first = session.scalar(select(func.min(Case.created_at)))
    last = max(
        (
            t
            for t in (
                session.scalar(select(func.max(Case.created_at))),
                session.scalar(select(func.max(Case.registered_at))),
                session.scalar(select(func.max(DepartmentMark.at))),
            )
            if t is not None
        ),
        default=None,
    )
    days = 0
    if first is not None and last is not None:
        day, final = spec.local_day(first), spec.local_day(last)
        while day <= final:
            _count_day(session, spec, day, None)
            day += timedelta(days=1)
            days += 1
        month = spec.local_day(first).replace(day=1)
        while month <= final:
            _count_month(session, month, None)
            month = _next_month(month)
    state = session.get(RollupState, STATE) or RollupState(name=STATE)
    state.fingerprint, state.built_at = spec.fingerprint, now
    session.add(state)
    return days
