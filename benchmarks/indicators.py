"""Indicator tables and the dashboard over many cases: a year of cases bulk-inserted (rows
shaped like the ones the closed loop leaves, without running it), then the district's table
by street for one month, by department for the year, and the dashboard's queries, timed
as on 15 January of the next year: every case the seed left waiting for feedback is then
past its deadline, the most the live part of "overdue" ever has to count.

    python benchmarks/with_servers.py indicators --cases 1000000
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from benchmarks.timing import timings_ms
from engine.clock import ShiftedClock
from workflows.adapters.indicator_predicates import Scope
from workflows.adapters.indicator_queries import IndicatorQuery
from workflows.adapters.models import Case, DepartmentMark, User
from workflows.services import dashboard, indicators
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

YEAR = 2029
BATCH = 20_000
STATUSES = (
    ("evaluated", 0.55),
    ("closed", 0.2),
    ("in_progress", 0.1),
    ("dispatched", 0.05),
    ("reported", 0.05),
    ("rejected", 0.05),
)
SATISFACTION = ("satisfied", "satisfied", "satisfied", "basically_satisfied", "dissatisfied")


@dataclass
class Timing:
    label: str
    ms: list[float]

    def line(self) -> str:
        p50, worst = statistics.median(self.ms), max(self.ms)
        return f"{self.label:<44} p50 {p50:7.1f} ms   max {worst:7.1f} ms"


SQL_BATCH = 100_000
# PostgreSQL makes the same rows itself (generate_series and random()), so that a million
# cases take a minute or two instead of an hour of Python on a busy machine.
SQL_SEED = """
WITH r AS (
    SELECT n,
           TIMESTAMPTZ '{year}-01-01 00:00:00+00' + (random() * 365 * 86400) * INTERVAL '1 second'
               AS reported,
           1 + floor(random() * cardinality(CAST(:grids AS text[])))::int AS gi,
           random() AS s, random() AS d, random() AS c, random() AS p, random() AS h,
           random() AS x, random() AS y, random() AS z, random() AS e, random() AS v
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n
), t AS (
    SELECT r.*,
           coalesce(CAST(:status AS text),
               CASE WHEN s < 0.55 THEN 'evaluated' WHEN s < 0.75 THEN 'closed'
                    WHEN s < 0.85 THEN 'in_progress' WHEN s < 0.90 THEN 'dispatched'
                    WHEN s < 0.95 THEN 'reported' ELSE 'rejected' END) AS status
    FROM r
), u AS (
    SELECT t.*, status NOT IN ('reported', 'rejected') AS registered,
           CASE WHEN status IN ('closed', 'evaluated')
                THEN reported + (2 + h * 98) * INTERVAL '1 hour' END AS handled
    FROM t
)
INSERT INTO cases (number, process_id, stream, category, priority, channel, title, description,
    address, photos, grid_key, street_key, community_key, review_unit_key, department_key,
    status, reporter_user_id, reporter_name, reporter_phone, deadline, return_count,
    rework_count, escalation_count, satisfaction, alert_level, suspended, created_at,
    updated_at, closed_at, registered_at, dispatched_at, handled_at, verified_at, verified_by,
    verified_on_time, evaluated_at, extended, ever_suspended, supervised)
SELECT '{year}-B' || lpad(n::text, 8, '0'), 'closed_loop', 'city_management',
    (CAST(:categories AS text[]))[1 + floor(c * cardinality(CAST(:categories AS text[])))::int],
    CASE WHEN p < 0.05 THEN 'urgent' ELSE 'normal' END, 'grid_worker', 'bench', 'bench', '',
    '[]'::jsonb, (CAST(:grids AS text[]))[gi], (CAST(:streets AS text[]))[gi],
    (CAST(:communities AS text[]))[gi], (CAST(:communities AS text[]))[gi],
    CASE WHEN registered THEN (CAST(:departments AS text[]))[
        1 + floor(d * cardinality(CAST(:departments AS text[])))::int] END,
    status, (CAST(:workers AS int[]))[gi], 'bench', '',
    CASE WHEN registered THEN reported + INTERVAL '3 days' END,
    CASE WHEN registered AND x < 0.04 THEN 1 ELSE 0 END,
    CASE WHEN registered AND y < 0.03 THEN 1 ELSE 0 END, 0,
    CASE WHEN status = 'evaluated' THEN (ARRAY['satisfied', 'satisfied', 'satisfied',
        'basically_satisfied', 'dissatisfied'])[1 + floor(v * 5)::int] END,
    'normal', false, reported, coalesce(handled + INTERVAL '8 hours', reported),
    handled + INTERVAL '8 hours',
    CASE WHEN registered THEN reported + INTERVAL '1 hour' END,
    CASE WHEN registered THEN reported + INTERVAL '1 hour' END,
    handled, handled + INTERVAL '8 hours',
    CASE WHEN handled IS NOT NULL THEN (CAST(:worker_names AS text[]))[gi] END, handled IS NOT NULL,
    CASE WHEN status = 'evaluated' THEN handled + INTERVAL '8 hours' END,
    registered AND z < 0.02, false, registered AND e < 0.03
FROM u
"""
SQL_MARKS = """
INSERT INTO department_marks (case_id, department_key, kind, comment, at)
SELECT id, department_key, 'received', '', dispatched_at FROM cases
WHERE id > :after AND department_key IS NOT NULL
"""


def seed_sql(
    ctx: GridcaseContext,
    count: int,
    first: int,
    *,
    grid_keys: Collection[str] | None = None,
    status: str | None = None,
) -> float:
    """PostgreSQL: insert cases ``first`` … ``first + count - 1`` shaped as :func:`seed`
    makes them, and their department marks; seconds taken. ``grid_keys`` narrows the grids
    they fall in, ``status`` gives them all one status."""
    directory = ctx.directory
    grids = [g for g in directory.grids() if grid_keys is None or g.key in grid_keys]
    with ctx.uow() as uow:
        ids = [
            uow.session.scalar(select(User.id).where(User.username == _worker_of(g.key)))
            for g in grids
        ]
    arrays = {
        "grids": [g.key for g in grids],
        "streets": [directory.ancestor_key_at(g.key, "street") for g in grids],
        "communities": [directory.ancestor_key_at(g.key, "community") for g in grids],
        "workers": ids,
        "worker_names": [_worker_of(g.key) for g in grids],
        "departments": [u.key for u in directory.all() if u.is_department],
        "categories": [c for c in ctx.catalog.categories if c != "15"],
    }
    began = time.perf_counter()
    for start in range(first, first + count, SQL_BATCH):
        last = min(start + SQL_BATCH, first + count) - 1
        with ctx.uow() as uow:
            after = uow.session.scalar(select(func.coalesce(func.max(Case.id), 0)))
            uow.session.execute(
                text(SQL_SEED.format(year=YEAR)),
                {"first": start, "last": last, "status": status, **arrays},
            )
            uow.session.execute(text(SQL_MARKS), {"after": after})
            uow.commit()
    with ctx.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # What autovacuum does soon after a bulk load: the planner's statistics, and the
        # visibility map that lets the deadline indexes answer without the table.
        conn.execute(text("VACUUM ANALYZE cases"))
    return time.perf_counter() - began


def seed(ctx: GridcaseContext, count: int, seed_value: int = 7) -> float:
    """Insert ``count`` cases over the year (and their department marks); seconds taken."""
    rng = random.Random(seed_value)
    directory = ctx.directory
    grids = directory.grids()
    departments = [u.key for u in directory.all() if u.is_department]
    categories = [c for c in ctx.catalog.categories if c != "15"]
    with ctx.uow() as uow:
        workers = {
            g.key: uow.session.scalar(select(User.id).where(User.username == _worker_of(g.key)))
            for g in grids
        }
    weights = [w for _, w in STATUSES]
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for first in range(0, count, BATCH):
        cases, marks = [], []
        for n in range(first, min(first + BATCH, count)):
            grid = rng.choice(grids)
            reported = start + timedelta(seconds=rng.randrange(365 * 86400))
            status = rng.choices([s for s, _ in STATUSES], weights)[0]
            registered = status not in ("reported", "rejected")
            department = rng.choice(departments) if registered else None
            deadline = reported + timedelta(days=3)
            handled = (
                reported + timedelta(hours=rng.uniform(2, 100))
                if status
                in (
                    "closed",
                    "evaluated",
                )
                else None
            )
            closed = handled + timedelta(hours=8) if handled else None
            cases.append(
                {
                    "number": f"{YEAR}-B{n:08d}",
                    "process_id": "closed_loop",
                    "stream": "city_management",
                    "category": rng.choice(categories),
                    "priority": "urgent" if rng.random() < 0.05 else "normal",
                    "channel": "grid_worker",
                    "title": "bench",
                    "description": "bench",
                    "address": "",
                    "photos": [],
                    "grid_key": grid.key,
                    "street_key": directory.ancestor_key_at(grid.key, "street"),
                    "community_key": directory.ancestor_key_at(grid.key, "community"),
                    "review_unit_key": directory.ancestor_key_at(grid.key, "community"),
                    "department_key": department,
                    "status": status,
                    "reporter_user_id": workers[grid.key],
                    "reporter_name": "bench",
                    "reporter_phone": "",
                    "deadline": deadline if registered else None,
                    "return_count": 1 if registered and rng.random() < 0.04 else 0,
                    "rework_count": 1 if registered and rng.random() < 0.03 else 0,
                    "escalation_count": 0,
                    "satisfaction": rng.choice(SATISFACTION) if status == "evaluated" else None,
                    "alert_level": "normal",
                    "suspended": False,
                    "created_at": reported,
                    "updated_at": closed or reported,
                    "closed_at": closed,
                    "registered_at": reported + timedelta(hours=1) if registered else None,
                    "dispatched_at": reported + timedelta(hours=1) if registered else None,
                    "handled_at": handled,
                    "verified_at": closed,
                    "verified_by": _worker_of(grid.key) if closed else None,
                    "verified_on_time": bool(closed),
                    "evaluated_at": closed if status == "evaluated" else None,
                    "extended": registered and rng.random() < 0.02,
                    "ever_suspended": False,
                    "supervised": registered and rng.random() < 0.03,
                }
            )
        with ctx.uow() as uow:
            ids = list(
                uow.session.scalars(
                    insert(Case).returning(Case.id, sort_by_parameter_order=True), cases
                )
            )
            for case_id, row in zip(ids, cases, strict=True):
                if row["department_key"]:
                    marks.append(
                        {
                            "case_id": case_id,
                            "department_key": row["department_key"],
                            "kind": "received",
                            "comment": "",
                            "at": row["dispatched_at"],
                        }
                    )
            if marks:
                uow.session.execute(insert(DepartmentMark), marks)
            uow.commit()
    return time.perf_counter() - began


def _worker_of(grid_key: str) -> str:
    """The demo district's grid worker of a grid (gw01 … gw12, in grid order)."""
    street, community, grid = int(grid_key[7:9]), int(grid_key[10:12]), int(grid_key[13:15])
    return f"gw{(street - 1) * 6 + (community - 1) * 3 + grid:02d}"


def _timed(label: str, action: Callable[[], object], repeat: int) -> Timing:
    return Timing(label, timings_ms(action, repeat))


def _from_cases(ctx: GridcaseContext, request: indicators.IndicatorRequest) -> Callable[[], object]:
    """The same table summed from the cases, as before the roll-up (for comparison)."""
    chosen = indicators.Period(request.start, request.end)

    def action() -> object:
        window = indicators.period_window(ctx, chosen)
        with ctx.uow() as uow:
            query = IndicatorQuery(uow.session, None)
            return query.case_counts(Scope(), request.by, window), query.mark_counts(
                Scope(), window
            )

    return action


def run(ctx: GridcaseContext, count: int, repeat: int = 5) -> str:
    clock = ShiftedClock()
    clock.advance_to(datetime(YEAR + 1, 1, 15, tzinfo=UTC))
    ctx.clock = clock
    with ctx.uow() as uow:
        existing = uow.cases.count()
    postgres = ctx.db.dialect.name == "postgresql"
    fill = (lambda n: seed_sql(ctx, n, existing)) if postgres else (lambda n: seed(ctx, n))
    took = fill(count - existing) if existing < count else 0.0
    began = time.perf_counter()
    days = indicators.bring_rollup_up_to_date(ctx, force=existing < count)
    counted = time.perf_counter() - began
    chief = load_actor(ctx, "sup01")
    district = "339901000000000"
    month = indicators.IndicatorRequest(date(YEAR, 6, 1), date(YEAR, 6, 30), "street", district)
    year = indicators.IndicatorRequest(date(YEAR, 1, 1), date(YEAR, 12, 31), "department", district)
    workers = indicators.IndicatorRequest(month.start, month.end, "grid_worker", district)
    june = dashboard.DashboardRequest(month.start, month.end, district)
    whole_year = dashboard.DashboardRequest(year.start, year.end, district)
    timings = [
        _timed(
            "district by street, one month", lambda: indicators.table(ctx, chief, month), repeat
        ),
        _timed(
            "district by department, the year", lambda: indicators.table(ctx, chief, year), repeat
        ),
        _timed(
            "district by grid worker, one month",
            lambda: indicators.table(ctx, chief, workers),
            repeat,
        ),
        _timed("dashboard, one month", lambda: dashboard.overview(ctx, chief, june), repeat),
        _timed("dashboard, the year", lambda: dashboard.overview(ctx, chief, whole_year), repeat),
        _timed("from the cases: by street, one month", _from_cases(ctx, month), repeat),
        _timed("from the cases: by department, the year", _from_cases(ctx, year), repeat),
    ]
    head = (
        f"{count} cases over {YEAR} (seeded {count - existing} in {took:.0f} s; "
        f"roll-up {'counted ' + str(days) + ' days' if days else 'current'} in {counted:.0f} s)"
    )
    return "\n".join([head] + [t.line() for t in timings])
