"""Inboxes and lists at scale: a million cases over the district with the task rows the closed
loop leaves and some requests for more time (bulk-inserted, PostgreSQL only), then a hundred
thousand more reports waiting in one community's review queue. Each stage times the inbox
pages, the supervisors' console and the case query as their users open them (server time
through the WSGI app) and keeps the query plans of the inbox (EXPLAIN ANALYZE) in
``<data>/bench-scale-plans.txt``.

    python benchmarks/with_servers.py scale --cases 1000000 --one-inbox 100000
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, text

from benchmarks.indicators import YEAR, seed_sql
from benchmarks.pages import PageTiming, _login
from benchmarks.timing import timings_ms
from engine.clock import ShiftedClock
from engine.models import ProcessInstance, ProcessVersion
from web import create_app
from workflows.adapters.models import Case
from workflows.services import case_query, cases, supervision
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

ONE_GRID = "339901001001001"  # in 东湖社区, whose review queue cd01 keeps

# Each case's steps as the closed loop leaves them: (element, title, role, unit, state, shown).
SQL_INSTANCES = """
INSERT INTO process_instances (id, version_id, process_id, business_key, status, state,
    lock_version, created_at, updated_at, ended_at, paused_timers)
SELECT c.id + :shift, :version, 'closed_loop', c.number,
    CASE WHEN c.status IN ('closed', 'evaluated', 'rejected') THEN 'completed' ELSE 'running' END,
    '{}', 1, c.created_at, c.updated_at, c.closed_at, '{}'
FROM cases c WHERE c.id > :after
"""
SQL_LINK = "UPDATE cases SET instance_id = id + :shift WHERE id > :after"
SQL_TASKS = """
INSERT INTO tasks (id, instance_id, business_key, process_id, element_id, title, lane, role,
    unit_key, unit_path, properties, state, created_at, due_at, completed_at, completed_by)
SELECT md5(c.id::text || s.element)::uuid::text, c.instance_id, c.number, 'closed_loop',
    s.element, s.title,
    s.role, s.role, s.unit, u.path, '{}', s.state, s.created, s.created + INTERVAL '2 days',
    CASE WHEN s.state = 'completed' THEN s.created + INTERVAL '1 hour' END,
    CASE WHEN s.state = 'completed' THEN 'bench' END
FROM cases c
CROSS JOIN LATERAL (VALUES
    ('review', '受理审核', 'community_dispatcher', c.review_unit_key,
     CASE WHEN c.status = 'reported' THEN 'ready' ELSE 'completed' END, c.created_at,
     true),
    ('dispatch', '派遣', 'community_dispatcher', c.review_unit_key, 'completed',
     c.created_at + INTERVAL '30 minutes', c.status NOT IN ('reported', 'rejected')),
    ('sign', '签收', 'department_handler', c.department_key,
     CASE WHEN c.status = 'dispatched' THEN 'ready' ELSE 'completed' END,
     c.created_at + INTERVAL '1 hour', c.status IN ('dispatched', 'in_progress', 'closed',
     'evaluated')),
    ('handle', '处置', 'department_handler', c.department_key,
     CASE WHEN c.status = 'in_progress' THEN 'ready' ELSE 'completed' END,
     c.created_at + INTERVAL '2 hours', c.status IN ('in_progress', 'closed', 'evaluated')),
    ('verify', '核查', 'grid_worker', c.grid_key, 'completed',
     c.created_at + INTERVAL '1 day', c.status IN ('closed', 'evaluated'))
) AS s(element, title, role, unit, state, created, shown)
JOIN org_units u ON u.key = s.unit
WHERE c.id > :after AND s.shown
"""

# One case in twenty asked for more time on its department's steps: pending while the step
# waits, decided once it is done (decided ones pile up, as they do over the years).
SQL_EXTENSIONS = """
INSERT INTO extension_requests (case_id, task_id, requested_by, reason, requested_until,
    status, decided_by, decided_at, comment, created_at)
SELECT c.id, t.id, 'dh-cg', '等配件', t.due_at + INTERVAL '2 days',
    CASE WHEN t.state = 'ready' THEN 'pending' ELSE 'approved' END,
    CASE WHEN t.state = 'ready' THEN NULL ELSE 'cd01' END,
    CASE WHEN t.state = 'ready' THEN NULL ELSE t.created_at + INTERVAL '3 hours' END,
    '', t.created_at + INTERVAL '1 hour'
FROM cases c JOIN tasks t ON t.instance_id = c.instance_id
WHERE c.id > :after AND c.id % 20 = 0 AND t.element_id IN ('sign', 'handle')
"""


def seed(ctx: GridcaseContext, count: int, **narrow: Any) -> float:
    """Cases (as the indicator benchmark makes them), one instance each and their task rows;
    seconds taken."""
    with ctx.uow() as uow:
        after = uow.session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0
        existing = uow.cases.count()
        version = uow.session.scalar(
            select(func.max(ProcessVersion.id)).where(ProcessVersion.process_id == "closed_loop")
        )
        last_instance = uow.session.scalar(select(func.coalesce(func.max(ProcessInstance.id), 0)))
    began = time.perf_counter()
    seed_sql(ctx, count, existing, **narrow)
    shift = (last_instance or 0) - after
    with ctx.uow() as uow:
        params = {"after": after, "shift": shift, "version": version}
        for statement in (SQL_INSTANCES, SQL_LINK, SQL_TASKS, SQL_EXTENSIONS):
            uow.session.execute(text(statement), params)
        uow.session.execute(
            text(
                "SELECT setval('process_instances_id_seq', (SELECT max(id) FROM process_instances))"
            )
        )
        uow.commit()
    with ctx.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("cases", "process_instances", "tasks", "extension_requests"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return time.perf_counter() - began


class Plans:
    """Keeps EXPLAIN ANALYZE of each SELECT sent while switched on."""

    def __init__(self, ctx: GridcaseContext):
        self.ctx = ctx
        self.captured: list[tuple[str, Any]] = []
        self.on = False
        event.listen(ctx.db, "before_cursor_execute", self._capture)

    def _capture(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.captured.append((statement, params))

    def explain(self, label: str, action: Callable[[], object]) -> str:
        self.captured, self.on = [], True
        try:
            action()
        finally:
            self.on = False
        out = [f"=== {label}"]
        with self.ctx.db.connect() as conn:
            for statement, params in self.captured:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                    out += [statement.strip(), *(row[0] for row in cursor.fetchall()), ""]
        return "\n".join(out)


def _timed(label: str, action: Callable[[], object], repeat: int) -> PageTiming:
    return PageTiming(label, timings_ms(action, repeat))


def _inbox(ctx: GridcaseContext, user: str, page: int = 1, **flt: Any) -> Callable[[], object]:
    actor = load_actor(ctx, user)
    return lambda: cases.inbox(ctx, actor, cases.InboxFilter(**flt), page=page)


def _query(ctx: GridcaseContext, user: str, **flt: Any) -> Callable[[], object]:
    actor = load_actor(ctx, user)
    return lambda: case_query.search(ctx, actor, case_query.CaseQuery(**flt))


def measure(
    ctx: GridcaseContext, password: str, repeat: int, plans: Plans
) -> tuple[list[PageTiming], list[str]]:
    """Timings of the lists, and the plans of the inbox's queries."""
    app = create_app({"WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench"}, context=ctx)
    chief = load_actor(ctx, "sup01")
    service = [
        ("inbox of a community (cd01), page 1", _inbox(ctx, "cd01")),
        ("inbox of a community (cd01), page 20", _inbox(ctx, "cd01", 20)),
        ("inbox of a community (cd01), one category", _inbox(ctx, "cd01", category="02")),
        ("inbox of a community (cd01), overdue", _inbox(ctx, "cd01", overdue=True)),
        ("inbox of a department (dh-cg), page 1", _inbox(ctx, "dh-cg")),
        ("inbox of a grid worker (gw01), page 1", _inbox(ctx, "gw01")),
        ("inbox of the district supervisor (sup01), page 1", _inbox(ctx, "sup01")),
        ("supervisors' console (sup01)", lambda: supervision.console(ctx, chief)),
        ("heatmap (sup01)", lambda: supervision.heat(ctx, chief, "closed_loop")),
        ("case query (cmd01)", _query(ctx, "cmd01")),
        ("case query, reported (cmd01)", _query(ctx, "cmd01", statuses=("reported",))),
    ]
    timings, explained = [], []
    for label, action in service:
        timings.append(_timed("service: " + label, action, repeat))
        explained.append(plans.explain(label, action))
    pages = [
        ("cd01", "/inbox", "page: inbox (cd01)"),
        ("dh-cg", "/inbox", "page: inbox (dh-cg)"),
        ("sup01", "/inbox", "page: inbox (sup01)"),
        ("sup01", "/console", "page: supervisors' console (sup01)"),
        ("sup01", "/console/heat/closed_loop.json", "page: heatmap data (sup01)"),
        ("cmd01", "/cases", "page: case query (cmd01)"),
        ("cmd01", "/cases?status=reported", "page: case query, reported (cmd01)"),
    ]
    for user, path, label in pages:
        with app.test_client() as client:
            _login(client, user, password)
            timings.append(_timed(label, lambda c=client, p=path: _ok(c.get(p), p), repeat))
    return timings, explained


def _ok(response: Any, path: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")


def _waiting_in_one_grid(ctx: GridcaseContext) -> int:
    with ctx.uow() as uow:
        return (
            uow.session.scalar(
                select(func.count()).where(Case.grid_key == ONE_GRID, Case.status == "reported")
            )
            or 0
        )


def run(
    ctx: GridcaseContext, password: str, count: int, one_inbox: int, repeat: int, out: Path
) -> str:
    """Seed what is missing of each stage (later runs reuse it), measure, keep the plans."""
    if ctx.db.dialect.name != "postgresql":
        raise RuntimeError("the scale benchmark needs PostgreSQL (benchmarks/with_servers.py)")
    clock = ShiftedClock()
    clock.advance_to(datetime(YEAR, 7, 1, tzinfo=UTC))
    ctx.clock = clock
    plans = Plans(ctx)
    lines, explained = [], []
    with ctx.uow() as uow:
        existing = uow.cases.count()
    spread = max(0, count - existing) if _waiting_in_one_grid(ctx) < one_inbox else 0
    took = seed(ctx, spread) if spread else 0.0
    stages = [
        (f"{count:,} cases over the district (seeded {spread:,} in {took:.0f} s)", 0),
        (f"{one_inbox:,} reports waiting in one grid, all in cd01's review queue", one_inbox),
    ]
    for head, extra in stages:
        missing = max(0, extra - _waiting_in_one_grid(ctx)) if extra else 0
        if missing:
            took = seed(ctx, missing, grid_keys={ONE_GRID}, status="reported")
            head += f" (seeded {missing:,} in {took:.0f} s)"
        timings, plans_of_stage = measure(ctx, password, repeat, plans)
        lines += [head, *(t.line() for t in timings)]
        explained += [f"##### {head}", *plans_of_stage]
    out.write_text("\n\n".join(explained))
    lines.append(f"query plans: {out}")
    return "\n".join(lines)
