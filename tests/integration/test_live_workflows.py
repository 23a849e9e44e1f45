"""Workflows kept alive between steps: the next step on an instance in the same process
skips rebuilding the workflow from its stored state, yet never acts on a state other than
the one committed — a step made by another process, or one that failed, is not missed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app_fixtures import make_context
from tests.processes.helpers import ready, report, step
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _count_loads(ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    host = ctx.runtime.host
    loads = [0]
    rebuild = host.load

    def counted(*args: Any) -> Any:
        loads[0] += 1
        return rebuild(*args)

    monkeypatch.setattr(host, "load", counted)
    return loads


def test_steps_in_one_process_rebuild_no_workflow(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _count_loads(ctx, monkeypatch)
    number = report(ctx).case.number
    step(ctx, number, "review", "cd01", {"decision": "accept"})
    drawn = cases.diagram(ctx, load_actor(ctx, "admin"), number)  # a read keeps it alive too
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    detail = step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    assert loads == [0]
    assert "dispatch" in drawn.active
    assert detail.case.status == "in_progress"
    assert [t.element_id for t in ready(ctx, number)] == ["handle"]


def test_a_step_made_by_another_process_is_not_missed(
    ctx: GridcaseContext, backend_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This process keeps the workflow as it left it after the report; another process then
    reviews the case. The dispatch here must start from the review, not from the kept one."""
    number = report(ctx).case.number
    other = make_context(backend_url, upload_dir=ctx.settings.upload_dir)
    try:
        step(other, number, "review", "cd01", {"decision": "accept"})
    finally:
        other.close()
    loads = _count_loads(ctx, monkeypatch)
    detail = step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    assert loads == [1]  # rebuilt from the state the other process committed
    assert detail.case.status == "dispatched"
    assert detail.data["decision"] == "accept"
    assert [t.element_id for t in ready(ctx, number)] == ["sign"]


def test_a_step_that_fails_leaves_no_half_run_workflow_behind(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workflow ran the step, then the transaction failed: the retry starts again from
    the committed state (a kept, advanced workflow would say the step is already done)."""
    number = report(ctx).case.number
    reviewer = load_actor(ctx, "cd01")
    [review] = ready(ctx, number)
    settle = cases.settle

    def fails(*args: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(cases, "settle", fails)
    with pytest.raises(RuntimeError):
        cases.complete(ctx, reviewer, review.id, {"decision": "accept"})
    monkeypatch.setattr(cases, "settle", settle)
    detail = cases.complete(ctx, reviewer, review.id, {"decision": "accept"})
    assert detail.case.status == "registered"
    assert [t.element_id for t in ready(ctx, number)] == ["dispatch"]
    completed = [e for e in detail.history if e.action == "completed"]
    assert [e.element_id for e in completed] == ["review"]
