"""How close the service layer comes to the engine: SpiffWorkflow alone on closed_loop (in
memory, and with a state round trip per step as the database needs), against completions
through the service layer on the database (``cases.complete_step``: what the web form and
``?view=next`` use), with the SQL statements and commits of one completion counted (not
estimated) by listening on the connection."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from benchmarks.loop import HAPPY_PATH, next_step
from workflows.domain.permissions import Actor
from workflows.domain.routing import suggested_department
from workflows.domain.task_forms import validate_form
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


@dataclass
class EngineFigures:
    raw_per_s: float
    roundtrip_per_s: float
    service_per_s: float
    p50_ms: float
    p99_ms: float
    statements: float
    commits: float
    database: str
    report_ms: float
    lean_report_ms: float

    def report(self) -> str:
        rows = [
            ("SpiffWorkflow on closed_loop, in memory", f"{self.raw_per_s:,.0f} steps/s"),
            ("… with a state round trip per step", f"{self.roundtrip_per_s:,.0f} steps/s"),
            (
                f"service layer on {self.database}, 1 thread",
                f"{self.service_per_s:,.0f} completions/s "
                f"(p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms)",
            ),
            (
                "service layer / round-trip engine",
                f"{self.service_per_s / self.roundtrip_per_s:.0%}",
            ),
            ("a report through the service layer, p50", f"{self.report_ms:.1f} ms"),
            ("… answering its number only (the pages), p50", f"{self.lean_report_ms:.1f} ms"),
            ("SQL statements per completion", f"{self.statements:.1f}"),
            ("commits per completion", f"{self.commits:.2f}"),
        ]
        width = max(len(a) for a, _ in rows)
        return "\n".join(f"{a.ljust(width)}  {b}" for a, b in rows)


class StatementCounter:
    """Counts the statements and commits sent on an engine while switched on."""

    def __init__(self, db: Any):
        self.on = False
        self.statements = 0
        self.commits = 0
        event.listen(db, "before_cursor_execute", self._statement)
        event.listen(db, "commit", self._commit)

    def _statement(self, *_args: Any) -> None:
        if self.on:
            self.statements += 1

    def _commit(self, *_args: Any) -> None:
        if self.on:
            self.commits += 1


def _start_data(
    ctx: GridcaseContext, reporter: Actor, grid: str
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The parsed closed_loop, the start data a real report gives it, and its forms."""
    detail = cases.report_case(
        ctx, reporter, cases.NewCase(category="02", description="bench: 暴露垃圾", grid=grid)
    )
    with ctx.uow() as uow:
        instance = uow.instances.get(detail.case.instance_id)
        started = next(e for e in uow.journal.for_instance(instance.id) if e.action == "started")
        version = uow.versions.get(instance.version_id)
        parsed, forms = ctx.runtime.parsed(version), dict(version.forms)
        data = {k: v for k, v in started.payload.items() if k != "version"}
    return parsed, data, forms


def _engine_steps(
    ctx: GridcaseContext, parsed: Any, data: dict, answers: dict[str, dict], n: int, roundtrip: bool
) -> float:
    """Steps per second of the engine alone, with the answers the forms make of the happy
    path's (checked once, outside the timing)."""
    host = ctx.runtime.host
    steps = 0
    started = time.perf_counter()
    with host.clock_in_use():
        for _ in range(n):
            wf = host.start(parsed, data)
            while ready := host.ready_tasks(wf):
                task = ready[0]
                host.complete(wf, task.id, answers[task.element_id])
                steps += 1
                if roundtrip:
                    wf = host.load(parsed, host.dump(wf))
    return steps / (time.perf_counter() - started)


def _service_steps(
    ctx: GridcaseContext, reporter: Actor, grid: str, department: str, n: int
) -> tuple[float, list[float], StatementCounter, float]:
    counter = StatementCounter(ctx.db)
    actors: dict[tuple[str, str], Actor] = {}
    timings: list[float] = []
    reports: list[float] = []
    busy = 0.0
    for _ in range(n):
        started = time.perf_counter()
        detail = cases.report_case(
            ctx, reporter, cases.NewCase(category="02", description="bench: 暴露垃圾", grid=grid)
        )
        reports.append((time.perf_counter() - started) * 1000)
        while ready := [t for t in detail.tasks if t.task.state == "ready"]:
            actor, answers = next_step(ctx, reporter, ready[0].task, department, actors)
            counter.on = True
            started = time.perf_counter()
            done = cases.complete_step(ctx, actor, ready[0].task.id, answers)
            took = time.perf_counter() - started
            counter.on = False
            busy += took
            timings.append(took * 1000)
            detail = cases.get_case(ctx, reporter, done.number)  # the loop's, not counted
    return len(timings) / busy, timings, counter, statistics.median(reports)


def run(ctx: GridcaseContext, n_cases: int, reporter: str = "gw01") -> EngineFigures:
    actor = load_actor(ctx, reporter)
    grid = actor.units_with("grid_worker")[0]
    department = suggested_department(ctx.directory, ctx.catalog, "02", grid).key
    parsed, data, forms = _start_data(ctx, actor, grid)
    answers = {
        step: validate_form(forms.get(f"closed_loop.{step}.schema.json"), given)
        for step, given in {**HAPPY_PATH, "dispatch": {"department": department}}.items()
    }
    _engine_steps(ctx, parsed, data, answers, 5, roundtrip=False)  # warm up
    raw = _engine_steps(ctx, parsed, data, answers, n_cases, roundtrip=False)
    roundtrip = _engine_steps(ctx, parsed, data, answers, n_cases, roundtrip=True)
    _service_steps(ctx, actor, grid, department, 3)  # warm up caches and the pool
    per_s, timings, counter, report_ms = _service_steps(ctx, actor, grid, department, n_cases)
    done = len(timings)
    q = statistics.quantiles(timings, n=100)
    lean = []
    for _ in range(n_cases):
        started = time.perf_counter()
        cases.report(
            ctx, actor, cases.NewCase(category="02", description="bench: 暴露垃圾", grid=grid)
        )
        lean.append((time.perf_counter() - started) * 1000)
    return EngineFigures(
        raw,
        roundtrip,
        per_s,
        q[49],
        q[98],
        counter.statements / done,
        counter.commits / done,
        ctx.db.dialect.name,
        report_ms,
        statistics.median(lean),
    )
