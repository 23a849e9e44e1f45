"""Drive many cases around the closed loop through the service layer and time it."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from workflows.domain.permissions import Actor
from workflows.domain.routing import suggested_department
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

HAPPY_PATH: dict[str, dict[str, Any]] = {
    "review": {"decision": "accept"},
    "sign": {"decision": "accept"},
    "handle": {"result": "已处理 fixed"},
    "verify": {"fixed": True},
    "evaluate": {"satisfaction": "satisfied"},
}


@dataclass
class LoopFigures:
    cases: int
    threads: int
    seconds: float
    completions: int
    complete_ms: list[float]

    def report(self) -> str:
        p = statistics.quantiles(self.complete_ms, n=100) if len(self.complete_ms) > 1 else [0] * 99
        return (
            f"{self.cases} cases x {len(HAPPY_PATH) + 1} tasks, {self.threads} threads: "
            f"{self.cases / self.seconds:.1f} cases/s, "
            f"{self.completions / self.seconds:.1f} task completions/s, "
            f"complete p50 {p[49]:.1f} ms, p99 {p[98]:.1f} ms"
        )


def _holder(
    ctx: GridcaseContext, role: str, unit: str, cache: dict[tuple[str, str], Actor]
) -> Actor:
    key = (role, unit)
    if key not in cache:
        with ctx.uow() as uow:
            users = uow.users.holders(role, unit)
            username = users[0].username
        cache[key] = load_actor(ctx, username)
    return cache[key]


def next_step(
    ctx: GridcaseContext,
    reporter: Actor,
    task: Any,
    department: str,
    actors: dict[tuple[str, str], Actor],
) -> tuple[Actor, dict[str, Any]]:
    """Who completes a ready task of the happy path, and with what answers."""
    actor = (
        reporter
        if task.assignee == reporter.username
        else _holder(ctx, task.role or "", task.unit_key or "", actors)
    )
    answers = dict(HAPPY_PATH.get(task.element_id, {}))
    if task.element_id == "dispatch":
        answers["department"] = department
    return actor, answers


def _one_case(ctx: GridcaseContext, reporter: Actor, grid: str, timings: list[float]) -> int:
    actors: dict[tuple[str, str], Actor] = {}
    detail = cases.report_case(
        ctx, reporter, cases.NewCase(category="02", description="bench: 暴露垃圾", grid=grid)
    )
    steps = 0
    while True:
        ready = [t for t in detail.tasks if t.task.state == "ready"]
        if not ready:
            return steps
        task = ready[0].task
        department = suggested_department(ctx.directory, ctx.catalog, "02", grid).key
        actor, data = next_step(ctx, reporter, task, department, actors)
        started = time.perf_counter()
        detail = cases.complete(ctx, actor, task.id, data)
        timings.append((time.perf_counter() - started) * 1000)
        steps += 1


def run_loop(ctx: GridcaseContext, n_cases: int, threads: int, reporter: str) -> LoopFigures:
    """Report ``n_cases`` cases and complete every task of each, ``threads`` at a time."""
    actor = load_actor(ctx, reporter)
    grid = actor.units_with("grid_worker")[0]
    timings: list[float] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        steps = sum(pool.map(lambda _: _one_case(ctx, actor, grid, timings), range(n_cases)))
    return LoopFigures(n_cases, threads, time.perf_counter() - started, steps, timings)
