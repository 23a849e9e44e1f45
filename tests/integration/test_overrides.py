"""Supervisors' overrides through the service layer, on SQLite and the real PostgreSQL server:
each needs a reason, is limited to supervisors above the case, and lands on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import steering
from engine import timers as instance_timers
from engine.db import utcnow
from tests.processes.helpers import accepted, ready, step
from workflows.domain.errors import (
    ConflictError,
    FieldErrors,
    ForbiddenError,
    NotFoundError,
    WorkflowStepError,
)
from workflows.services import cases, overrides, supervision, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _signing(ctx: GridcaseContext) -> str:
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-sj"})
    return number


def _journal(ctx: GridcaseContext, number: str, action: str):
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    return [e for e in detail.history if e.action == action]


def test_only_supervisors_above_the_case_and_only_with_a_reason(ctx: GridcaseContext) -> None:
    number = _signing(ctx)
    task_id = ready(ctx, number)[0].id
    with pytest.raises(ForbiddenError):
        overrides.reassign(ctx, load_actor(ctx, "cd01"), task_id, "改派", unit="dept-cg")
    with pytest.raises(ForbiddenError):  # supervises the other street
        overrides.reassign(ctx, load_actor(ctx, "sup-xs"), task_id, "改派", unit="dept-cg")
    with pytest.raises(FieldErrors) as err:
        overrides.reassign(ctx, load_actor(ctx, "sup01"), task_id, "  ", unit="dept-cg")
    assert "reason" in err.value.fields
    with pytest.raises(FieldErrors):
        overrides.reassign(ctx, load_actor(ctx, "sup01"), task_id, "改派", unit="nowhere")


def test_reassign_deadline_fire_timer_and_terminate(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)
    task_id = ready(ctx, number)[0].id
    overrides.reassign(ctx, sup, task_id, "市场监管局超期", unit="dept-cg")
    assert ready(ctx, number)[0].unit_key == "dept-cg"
    assert cases.get_case(ctx, sup, number).case.department_key == "dept-cg"
    assert _journal(ctx, number, "reassigned")[0].reason == "市场监管局超期"

    due = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    with pytest.raises(FieldErrors):
        overrides.change_deadline(ctx, sup, number, utcnow() - timedelta(hours=1), "过去")
    overrides.change_deadline(ctx, sup, number, due, "节假日顺延")
    assert ready(ctx, number)[0].due_at == due
    assert _journal(ctx, number, "deadline_moved")[0].reason == "节假日顺延"

    detail = cases.get_case(ctx, sup, number)
    warning = next(t for t in detail.timers if t.kind == "warning")
    later = utcnow() + timedelta(days=2)
    with pytest.raises(FieldErrors):
        overrides.move_timer(ctx, sup, number, warning.task_id, utcnow(), "过去")
    overrides.move_timer(ctx, sup, number, warning.task_id, later, "预警推后")
    moved = next(t for t in cases.get_case(ctx, sup, number).timers if t.kind == "warning")
    assert abs((moved.due - later).total_seconds()) < 1
    assert _journal(ctx, number, "timer_moved")[0].reason == "预警推后"
    overrides.fire_timer(ctx, sup, number, warning.task_id, "提前预警")
    assert cases.get_case(ctx, sup, number).case.alert_level == "yellow"
    with pytest.raises(NotFoundError):
        overrides.fire_timer(ctx, sup, number, warning.task_id, "再来一次")

    overrides.terminate(ctx, sup, number, "重复立案，终止")
    detail = cases.get_case(ctx, sup, number)
    assert detail.case.status == "closed" and ready(ctx, number) == []
    with pytest.raises(ConflictError):
        overrides.terminate(ctx, sup, number, "再次终止")


def test_go_back_to_a_completed_step(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)
    with pytest.raises(NotFoundError):
        overrides.rewind(ctx, sup, number, "handle", "未办过")
    overrides.rewind(ctx, sup, number, "dispatch", "派错部门，退回重派")
    assert [t.element_id for t in ready(ctx, number)] == ["dispatch"]
    assert cases.get_case(ctx, sup, number).case.status == "registered"
    moved = _journal(ctx, number, "moved")[0]
    assert moved.payload == {"back_to": "dispatch"} and moved.reason == "派错部门，退回重派"
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    assert ready(ctx, number)[0].unit_key == "dept-cg"


def test_complete_a_step_in_the_holders_place(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)
    task_id = ready(ctx, number)[0].id
    cases.claim(ctx, load_actor(ctx, "dh-sj"), task_id)
    with pytest.raises(FieldErrors) as err:  # in the holder's place, only with a reason
        cases.complete(ctx, sup, task_id, {"decision": "accept"})
    assert set(err.value.fields) == {"override_reason"}
    with pytest.raises(FieldErrors):
        cases.complete(ctx, sup, task_id, {"decision": "maybe"}, reason="代为签收")
    with pytest.raises(ForbiddenError):  # a grid worker neither holds it nor supervises
        cases.complete(ctx, load_actor(ctx, "gw01"), task_id, {"decision": "accept"}, reason="x")
    reason = "处置员联系不上，代为签收"
    cases.complete(ctx, sup, task_id, {"decision": "accept"}, reason=reason)
    assert [t.element_id for t in ready(ctx, number)] == ["handle"]
    completed = _journal(ctx, number, "completed")[-1]
    assert (completed.actor, completed.element_id) == ("sup01", "sign")
    assert _journal(ctx, number, "moved")[0].reason == "处置员联系不上，代为签收"


def test_edit_process_variables(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)
    with pytest.raises(FieldErrors) as err:
        overrides.edit_data(ctx, sup, number, {"case_number": "x", "return_count": "many"}, "改")
    assert set(err.value.fields) == {"case_number", "return_count"}
    with pytest.raises(FieldErrors):
        overrides.edit_data(ctx, sup, number, {"priority": "normal"}, "没变")
    changes = overrides.edit_data(ctx, sup, number, {"priority": "urgent"}, "市民再次来电催办")
    assert changes == {"priority": "urgent"}
    detail = cases.get_case(ctx, sup, number)
    assert detail.data["priority"] == "urgent"
    edited = _journal(ctx, number, "data_edited")[0]
    assert edited.payload == {"before": {"priority": "normal"}, "after": {"priority": "urgent"}}


def test_bulk_reports_each_case(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    first, second = _signing(ctx), _signing(ctx)
    step(ctx, second, "sign", "dh-sj", {"decision": "return", "reason": "不归我管"})
    step(ctx, second, "dispatch", "cd01", {"department": "dept-cg"})
    step(ctx, second, "sign", "dh-cg", {"decision": "accept"})
    overrides.terminate(ctx, sup, second, "测试终止")
    results = overrides.bulk(
        [first, second, first],
        lambda n: overrides.reassign_case(ctx, sup, n, "统一改派", unit="dept-cg"),
    )
    assert [(r.number, r.ok) for r in results] == [(first, True), (second, False)]
    assert "no waiting step" in results[1].message


def test_a_step_failing_in_the_background_waits_for_a_retry(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)
    with pytest.raises(FieldErrors):  # the service keeps units and categories known …
        overrides.edit_data(ctx, sup, number, {"review_unit": "nowhere", "category": "99"}, "错")
    detail = cases.get_case(ctx, sup, number)
    with ctx.uow() as uow:  # … so break the data underneath, as a faulty release might
        instance = uow.instances.get(detail.case.instance_id)
        steering.edit_data(uow, ctx.runtime, instance, {"category": "99"}, "test", "坏数据")
        uow.commit()
    overdue = next(t for t in detail.timers if t.kind == "overdue")
    with ctx.uow() as uow:  # the sign deadline passes
        instance_timers.move_timer(
            uow, ctx.runtime, detail.case.instance_id, overdue.task_id, utcnow(), "test", "过期"
        )
        uow.commit()

    assert timers.fire(ctx, detail.case.instance_id) is False
    detail = cases.get_case(ctx, sup, number)
    assert detail.error and detail.error.startswith("sign_overdue")
    assert timers.due(ctx) == []  # the sweep leaves it alone
    view = supervision.console(ctx, sup)
    assert number in [c.number for c in view.lists["errored"]]

    with pytest.raises(WorkflowStepError):
        overrides.retry(ctx, sup, number, "再试一次")
    assert cases.get_case(ctx, sup, number).error is not None

    overrides.edit_data(ctx, sup, number, {"category": "02"}, "改回类别")
    overrides.retry(ctx, sup, number, "已修正受理单位")
    detail = cases.get_case(ctx, sup, number)
    assert detail.error is None
    assert "supervise" in [t.element_id for t in ready(ctx, number)]
    assert _journal(ctx, number, "retried")[0].reason == "已修正受理单位"
    with pytest.raises(ConflictError):
        overrides.retry(ctx, sup, number, "没有失败")


def test_shortcuts_escalate_and_convene_from_any_later_step(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)  # the department has not signed yet
    overrides.take_shortcut(
        ctx, sup, number, "joint_conference", {"invited": ["dept-cg", "dept-sj"]}, "多部门职责交叉"
    )
    detail = cases.get_case(ctx, sup, number)
    assert detail.case.status == "coordinating"
    assert [c.link_kind for c in detail.children] == ["joint_conference"]
    assert _journal(ctx, number, "moved")[0].reason == "多部门职责交叉"

    other = _signing(ctx)
    with pytest.raises(FieldErrors):  # the department list must name departments
        overrides.take_shortcut(ctx, sup, other, "joint_conference", {"invited": ["x"]}, "错")
    assert [t.element_id for t in ready(ctx, other)] == ["sign"]  # untouched
    overrides.take_shortcut(ctx, sup, other, "escalate", {}, "社区无力协调，报街道")
    task = ready(ctx, other)[0]
    assert (task.element_id, task.unit_key) == ("review", "339901001000000")
    with pytest.raises(NotFoundError):
        overrides.take_shortcut(ctx, sup, other, "no_such", {}, "无")


def test_variable_edits_keep_the_case_consistent(ctx: GridcaseContext) -> None:
    """Attacks on the variable editor: a counter of 4,300 digits (a 500 from the case row),
    a grid of another street (the case row and the process then disagreed)."""
    street_sup = load_actor(ctx, "sup-dh")  # 东湖街道
    number = _signing(ctx)
    huge = "9" * 4300
    with pytest.raises(FieldErrors) as err:
        overrides.edit_data(ctx, street_sup, number, {"escalation_count": huge}, "改")
    assert "between" in err.value.fields["escalation_count"][0]
    with pytest.raises(FieldErrors) as err:
        overrides.edit_data(ctx, street_sup, number, {"grid": "339901002001001"}, "改到西山")
    assert err.value.fields["grid"] == ["a grid outside your area"]
    with pytest.raises(FieldErrors) as err:
        overrides.edit_data(ctx, street_sup, number, {"grid": "339901001001000"}, "改到社区")
    assert err.value.fields["grid"] == ["not a grid"]
    before = cases.get_case(ctx, street_sup, number).case
    assert before.escalation_count == 0 and before.grid_key == "339901001001001"

    overrides.edit_data(ctx, street_sup, number, {"grid": "339901001001002"}, "实际在二网格")
    moved = cases.get_case(ctx, street_sup, number)
    assert moved.data["grid"] == moved.case.grid_key == "339901001001002"
    assert moved.case.community_key == "339901001001000"
    assert moved.case.street_key == "339901001000000"


def test_reassigning_a_case_in_supervision_moves_its_department_not_the_supervision(
    ctx: GridcaseContext,
) -> None:
    """Found in use: a bulk reassign of an overdue case gave the *supervision* task to the
    new department, where nobody may complete it, and the press then sent the handling back
    to the old department."""
    sup = load_actor(ctx, "sup01")
    number = _signing(ctx)
    step(ctx, number, "sign", "dh-sj", {"decision": "accept"})
    overdue = next(t for t in cases.get_case(ctx, sup, number).timers if t.kind == "overdue")
    overrides.fire_timer(ctx, sup, number, overdue.task_id, "处置超期")
    supervise = ready(ctx, number)
    assert [t.element_id for t in supervise] == ["supervise"]
    street = supervise[0].unit_key

    with pytest.raises(FieldErrors) as err:  # the task alone: nobody there could take it
        overrides.reassign(ctx, sup, supervise[0].id, "改派", unit="dept-cg")
    assert "unit" in err.value.fields
    results = overrides.bulk(
        [number], lambda n: overrides.reassign_case(ctx, sup, n, "改派城管", unit="dept-cg")
    )
    assert results[0].ok, results[0].message
    after = ready(ctx, number)
    assert [(t.element_id, t.role, t.unit_key) for t in after] == [
        ("supervise", "supervisor", street)
    ]
    assert cases.get_case(ctx, sup, number).case.department_key == "dept-cg"
    moved = _journal(ctx, number, "reassigned")[-1]  # on the timeline, with the reason
    assert moved.reason == "改派城管" and moved.payload["to"] == {"unit": "dept-cg"}
    waiting = accepted(ctx)  # at the dispatch: no department to move, no step dept-cg holds
    with pytest.raises(FieldErrors):
        overrides.reassign_case(ctx, sup, waiting, "改派", unit="dept-cg")
    assert cases.get_case(ctx, sup, waiting).case.department_key is None

    later = (utcnow() + timedelta(days=2)).isoformat()
    step(
        ctx,
        number,
        "supervise",
        "sup-dh",
        {"decision": "press", "notice": "限期办结", "new_deadline": later},
    )
    pressed = ready(ctx, number)
    assert [(t.role, t.unit_key) for t in pressed] == [("department_handler", "dept-cg")]
