"""Durable timers on real PostgreSQL, real Redis and real ``gridcase worker`` processes.

These tests wait for real (the workers run on the wall clock): each waits for its worker to
be ready before the clock of a deadline starts, and polls with generous limits, so that a
loaded machine makes them slower, never red."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app_fixtures import make_context
from tests.servers import RedisServer
from tests.worker_process import WorkerProcess, wait_for
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
GRID1 = "339901001001001"
STREET1 = "339901001000000"
WAIT = 120  # seconds at most; each wait ends as soon as its condition holds


@pytest.fixture
def rq_ctx(pg_url: str, redis_url: str) -> Iterator[GridcaseContext]:
    ctx = make_context(pg_url, redis_url=redis_url)
    yield ctx
    ctx.close()


@pytest.fixture
def workers(rq_ctx: GridcaseContext, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(ctx: GridcaseContext, tmp_path: Path, workers: list, **kw) -> WorkerProcess:
    """Start a worker and wait until it has registered with Redis."""
    worker = WorkerProcess(
        ctx.settings.database_url,
        ctx.settings.redis_url or "",
        tmp_path / f"worker{len(workers)}.log",
        **kw,
    )
    workers.append(worker)
    worker.wait_ready()
    return worker


def dispatched_case(ctx: GridcaseContext, seconds: float) -> str:
    """A case waiting for the department to sign, with a handling deadline ``seconds`` away."""
    detail = cases.report_case(
        ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "路灯不亮 street lamp out", grid=GRID1)
    )
    dispatcher = load_actor(ctx, "cd01")
    review = detail.tasks[0].task.id
    detail = cases.complete(ctx, dispatcher, review, {"decision": "accept"})
    dispatch = next(t.task.id for t in detail.tasks if t.task.state == "ready")
    deadline = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
    cases.complete(ctx, dispatcher, dispatch, {"department": "dept-cg", "deadline": deadline})
    return detail.case.number


def journal_counts(ctx: GridcaseContext, number: str) -> Counter:
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    return Counter(h.action for h in detail.history)


def test_warning_then_overdue_then_supervision_and_escalation(
    rq_ctx: GridcaseContext, tmp_path: Path, workers: list
) -> None:
    start_worker(rq_ctx, tmp_path, workers)
    admin = load_actor(rq_ctx, "admin")
    number = dispatched_case(rq_ctx, seconds=6)

    wait_for(
        lambda: cases.get_case(rq_ctx, admin, number).case.alert_level == "red",
        WAIT,
        "the red overdue",
    )
    # the yellow warning and the overdue each fired once (on a loaded machine a late
    # worker may fire both in one go, so their order is not asserted)
    case = cases.get_case(rq_ctx, admin, number)
    ready = [t.task for t in case.tasks if t.task.state == "ready"]
    assert [(t.element_id, t.role, t.unit_key) for t in ready] == [
        ("supervise", "supervisor", STREET1)
    ]
    assert case.case.review_unit_key == STREET1  # escalated one level by the catalog rule
    counts = journal_counts(rq_ctx, number)
    assert counts["warning"] == 1 and counts["overdue"] == 1

    with rq_ctx.uow() as uow:
        kinds = {(n.kind, n.role, n.unit_key) for n in uow.notifications.for_case(case.case.id)}
    assert ("overdue", "department_handler", "dept-cg") in kinds
    assert ("warning", "department_handler", "dept-cg") in kinds
    assert ("overdue", "supervisor", STREET1) in kinds  # the supervisor who got the task

    supervisor = load_actor(rq_ctx, "sup-dh")
    new_deadline = datetime.now(UTC) + timedelta(hours=4)
    after = cases.complete(
        rq_ctx,
        supervisor,
        ready[0].id,
        {
            "decision": "press",
            "notice": "请于4小时内处置完毕",
            "new_deadline": new_deadline.isoformat(),
        },
    )
    sign = [t.task for t in after.tasks if t.task.state == "ready"]
    assert [t.element_id for t in sign] == ["sign"]
    assert abs((sign[0].due_at - new_deadline).total_seconds()) < 1
    assert after.case.alert_level == "normal"


def test_redis_flushed_before_the_due_time_still_fires_once(
    rq_ctx: GridcaseContext, redis_server: RedisServer, tmp_path: Path, workers: list
) -> None:
    number = dispatched_case(rq_ctx, seconds=3)
    redis_server.flushall()  # every scheduled wake-up job is gone
    start_worker(rq_ctx, tmp_path, workers)
    admin = load_actor(rq_ctx, "admin")
    wait_for(
        lambda: cases.get_case(rq_ctx, admin, number).case.alert_level == "red",
        WAIT,
        "the overdue found by the sweep",
    )
    counts = journal_counts(rq_ctx, number)
    assert counts["warning"] == 1 and counts["overdue"] == 1


def test_worker_killed_while_firing_loses_nothing_and_duplicates_nothing(
    rq_ctx: GridcaseContext, tmp_path: Path, workers: list
) -> None:
    mark = tmp_path / "firing.mark"
    slow = start_worker(
        rq_ctx,
        tmp_path,
        workers,
        module="tests.slow_fire_worker",
        extra_env={"GRIDCASE_TEST_MARK": str(mark)},
    )
    number = dispatched_case(rq_ctx, seconds=2)
    wait_for(mark.exists, WAIT, "the worker to stall inside a firing")
    slow.kill()
    assert journal_counts(rq_ctx, number)["warning"] == 0  # nothing was committed

    start_worker(rq_ctx, tmp_path, workers)
    admin = load_actor(rq_ctx, "admin")
    wait_for(
        lambda: cases.get_case(rq_ctx, admin, number).case.alert_level == "red",
        WAIT,
        "the timers to fire after the restart",
    )
    counts = journal_counts(rq_ctx, number)
    assert counts["warning"] == 1 and counts["overdue"] == 1
    case = cases.get_case(rq_ctx, admin, number)
    assert [t.task.element_id for t in case.tasks if t.task.state == "ready"] == ["supervise"]
