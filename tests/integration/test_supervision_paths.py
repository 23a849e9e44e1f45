"""Every outcome of supervision, driving the timers by hand through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from workflows.services import cases, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

GRID1 = "339901001001001"
STREET1 = "339901001000000"
DISTRICT = "339901000000000"


def _overdue_case(ctx: GridcaseContext) -> cases.CaseDetail:
    dispatcher = load_actor(ctx, "cd01")
    detail = cases.report_case(
        ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "违规占道", grid=GRID1)
    )
    detail = cases.complete(ctx, dispatcher, detail.tasks[0].task.id, {"decision": "accept"})
    dispatch = next(t.task.id for t in detail.tasks if t.task.state == "ready")
    deadline = (ctx.clock.now() + timedelta(hours=4)).isoformat()
    cases.complete(ctx, dispatcher, dispatch, {"department": "dept-cg", "deadline": deadline})
    ctx.clock.advance(days=2)
    instance = detail.case.instance_id or 0
    while timers.fire(ctx, instance):  # warning, then overdue
        pass
    return cases.get_case(ctx, load_actor(ctx, "admin"), detail.case.number)


def _ready(detail: cases.CaseDetail) -> list:
    return [t.task for t in detail.tasks if t.task.state == "ready"]


def test_supervision_escalates_the_case_to_dispatch_one_level_up(ctx: GridcaseContext) -> None:
    # (the joint-conference outcome: tests/processes/test_joint_conference.py)
    outcome = "escalate"
    detail = _overdue_case(ctx)
    supervise = _ready(detail)[0]
    assert (supervise.element_id, supervise.unit_key) == ("supervise", STREET1)
    after = cases.complete(
        ctx,
        load_actor(ctx, "sup-dh"),
        supervise.id,
        {"decision": outcome, "notice": "部门间推诿，重新派遣"},
    )
    dispatch = _ready(after)
    assert [t.element_id for t in dispatch] == ["dispatch"]
    # overdue already moved the case to the street; supervision escalates it once more
    assert (dispatch[0].role, dispatch[0].unit_key) == ("district_command", DISTRICT)
    assert after.case.escalation_count == 1
    assert after.case.status == "registered"


def test_press_needs_a_new_deadline(ctx: GridcaseContext) -> None:
    from engine.errors import FieldErrors

    supervise = _ready(_overdue_case(ctx))[0]
    with pytest.raises(FieldErrors) as err:
        cases.complete(
            ctx, load_actor(ctx, "sup-dh"), supervise.id, {"decision": "press", "notice": "催办"}
        )
    assert "new_deadline" in err.value.fields
