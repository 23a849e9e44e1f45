"""The step tracker follows a case around the closed loop, back on a rework, and skips
what a case never needed; processes that are no closed loop get none."""

from __future__ import annotations

from tests.processes.helpers import accepted, ready, report, step
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _states(ctx: GridcaseContext, number: str) -> list[tuple[str, str, str | None]]:
    tracker = cases.get_case(ctx, load_actor(ctx, "admin"), number).tracker
    assert tracker is not None
    return [(s.key, s.state, s.by) for s in tracker]


def test_the_tracker_follows_the_closed_loop(ctx: GridcaseContext) -> None:
    number = accepted(ctx)
    assert _states(ctx, number) == [
        ("report", "done", "网格员01"),
        ("accept", "done", "cd01"),
        ("dispatch", "current", None),
        ("handle", "todo", None),
        ("verify", "todo", None),
        ("close", "todo", None),
        ("evaluate", "todo", None),
    ]
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    assert [s for _k, s, _b in _states(ctx, number)][2:4] == ["done", "current"]
    step(ctx, number, "handle", "dh-cg", {"result": "已处理"})
    step(ctx, number, "verify", "gw01", {"fixed": False, "comment": "没修好"})
    back = _states(ctx, number)  # the rework: handling is current again, verification to do
    assert [(k, s) for k, s, _b in back][3:5] == [("handle", "current"), ("verify", "todo")]
    step(ctx, number, "handle", "dh-cg", {"result": "已返工"})
    step(ctx, number, "verify", "gw01", {"fixed": True})
    closing = _states(ctx, number)
    assert closing[5] == ("close", "done", "gw01") and closing[6][1] == "current"
    step(ctx, number, "evaluate", "gw01", {"satisfaction": "satisfied"})
    assert all(s == "done" for _k, s, _b in _states(ctx, number))


def test_a_case_handled_on_the_spot_skips_dispatch(ctx: GridcaseContext) -> None:
    number = report(ctx).case.number
    step(ctx, number, "review", "cd01", {"decision": "handle_on_spot", "comment": "当场处理"})
    states = {k: s for k, s, _b in _states(ctx, number)}
    assert (states["dispatch"], states["handle"]) == ("skipped", "current")


def test_a_rejected_report_ends_the_loop(ctx: GridcaseContext) -> None:
    number = report(ctx).case.number
    step(ctx, number, "review", "cd01", {"decision": "reject", "reason": "不属于受理范围"})
    assert not ready(ctx, number)
    assert cases.get_case(ctx, load_actor(ctx, "admin"), number).tracker is None  # 不予受理
