"""Twenty people complete the same task at once: exactly one wins, nothing is corrupted."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from engine.errors import ConflictError
from workflows.domain.statuses import STATUSES
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

GRID1 = "339901001001001"


@pytest.mark.parametrize("threads", [20])
def test_twenty_threads_complete_one_task(ctx: GridcaseContext, threads: int) -> None:
    reporter = load_actor(ctx, "gw01")
    dispatcher = load_actor(ctx, "cd01")
    detail = cases.report_case(ctx, reporter, cases.NewCase("02", "并发测试 race", grid=GRID1))
    task_id = detail.tasks[0].task.id
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            cases.complete(ctx, dispatcher, task_id, {"decision": "accept"})
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert Counter(outcomes) == {"ok": 1, "conflict": threads - 1}
    after = cases.get_case(ctx, dispatcher, detail.case.number)
    assert after.case.status == "registered" and after.case.status in STATUSES
    ready = [t.task.element_id for t in after.tasks if t.task.state == "ready"]
    assert ready == ["dispatch"]
    completions = [h for h in after.history if h.action == "completed"]
    assert len(completions) == 1
