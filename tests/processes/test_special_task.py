"""special_task: a task to every grid of an area with one deadline, non-responders
supervised, a summary; by hand or from a catalog rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import FieldErrors, ForbiddenError
from tests.processes.helpers import DISTRICT, STREET1, fire_until_quiet, ready, step
from workflows.services import cases, notifications, special_tasks
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext
from workflows.services.special_tasks import SpecialTaskRequest


def test_twelve_grids_with_two_non_responders(ctx: GridcaseContext) -> None:
    supervisor = load_actor(ctx, "sup01")
    detail = special_tasks.issue(
        ctx,
        supervisor,
        SpecialTaskRequest(
            area=DISTRICT,
            title="燃气安全排查",
            instructions="检查沿街商铺燃气软管",
            category="13",
            deadline=ctx.clock.now() + timedelta(hours=4),
        ),
    )
    number = detail.case.number
    tasks = ready(ctx, number)
    assert len(tasks) == 12
    assert {t.role for t in tasks} == {"grid_worker"}
    grid_workers = {
        f"3399010{s:02d}00{c}00{g}": f"gw{(s - 1) * 6 + (c - 1) * 3 + g:02d}"
        for s in (1, 2)
        for c in (1, 2)
        for g in (1, 2, 3)
    }
    assert {t.unit_key for t in tasks} == set(grid_workers)
    silent = sorted(grid_workers)[:2]
    for task in tasks:
        if task.unit_key not in silent:
            cases.complete(
                ctx,
                load_actor(ctx, grid_workers[task.unit_key]),
                task.id,
                {"answer_text": "已排查", "issues_found": 1},
            )
    ctx.clock.advance(hours=5)
    fire_until_quiet(ctx, number)
    detail = cases.get_case(ctx, supervisor, number)
    summary = detail.data["summary"]
    assert (summary["total"], summary["answered"], summary["issues_found"]) == (12, 10, 10)
    assert sorted(summary["missing"]) == silent
    follow_up = ready(ctx, number)
    assert [(t.element_id, t.unit_key) for t in follow_up] == [("follow_up_missing", DISTRICT)]
    kinds = [n.kind for n in notifications.for_actor(ctx, load_actor(ctx, grid_workers[silent[0]]))]
    assert "special_task_missed" in kinds
    assert "special_task_summary" in [n.kind for n in notifications.for_actor(ctx, supervisor)]
    detail = step(ctx, number, "follow_up_missing", "sup01", {"measures": "约谈网格长"})
    assert detail.case.status == "closed"


def test_a_rule_sends_the_task_and_all_answer(ctx: GridcaseContext) -> None:
    platform = load_actor(ctx, "iot-gw")
    detail = special_tasks.issue(
        ctx, platform, SpecialTaskRequest(area="339901001001000", rule="fire_escape_check")
    )
    number = detail.case.number
    assert detail.case.title == "消防通道专项排查"
    assert detail.case.review_unit_key == STREET1
    for task in ready(ctx, number):
        user = {"339901001001001": "gw01", "339901001001002": "gw02", "339901001001003": "gw03"}
        cases.complete(ctx, load_actor(ctx, user[task.unit_key]), task.id, {"answer_text": "无"})
    detail = cases.get_case(ctx, load_actor(ctx, "sup-dh"), number)
    assert detail.data["summary"]["missing"] == []
    assert detail.case.status == "closed"


def test_bad_requests(ctx: GridcaseContext) -> None:
    with pytest.raises(FieldErrors) as err:
        special_tasks.issue(ctx, load_actor(ctx, "sup01"), SpecialTaskRequest(area="nowhere"))
    assert "area" in err.value.fields
    with pytest.raises(FieldErrors) as err:
        special_tasks.issue(ctx, load_actor(ctx, "sup01"), SpecialTaskRequest(area=STREET1))
    assert set(err.value.fields) == {"title", "category", "deadline"}
    with pytest.raises(ForbiddenError):  # a street supervisor cannot task the other street
        special_tasks.issue(
            ctx,
            load_actor(ctx, "sup-dh"),
            SpecialTaskRequest(area="339901002000000", rule="fire_escape_check"),
        )


def test_the_district_command_centre_issues_special_tasks(ctx: GridcaseContext) -> None:
    """It answered 403: only a supervisor could."""
    detail = special_tasks.issue(
        ctx,
        load_actor(ctx, "cmd01"),
        SpecialTaskRequest(
            area=STREET1,
            title="汛前排水口检查",
            instructions="检查雨水口是否堵塞",
            category="09",
            deadline=ctx.clock.now() + timedelta(hours=8),
        ),
    )
    assert len(ready(ctx, detail.case.number)) == 6
