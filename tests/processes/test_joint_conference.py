"""joint_conference: entered from dispatch, from supervision and after two returns; a
department missing the time box is recorded; the decision dispatches lead and co-handlers."""

from __future__ import annotations

from tests.processes.helpers import (
    STREET1,
    accepted,
    after,
    child,
    fire_until_quiet,
    ready,
    step,
)
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _decide(ctx: GridcaseContext, conference: str) -> None:
    step(
        ctx,
        conference,
        "decide",
        "sd01",
        {
            "lead": "dept-cg",
            "co_handlers": ["dept-ga"],
            "deadline": after(ctx, days=2),
            "minutes": "城管牵头清理，公安配合维持秩序",
        },
    )


def test_dispatch_to_conference_with_a_department_missing_the_time_box(
    ctx: GridcaseContext,
) -> None:
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"mode": "joint_conference", "invited": ["dept-cg"]})
    case = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert case.case.status == "coordinating"
    assert case.waiting_for == ["conference_decided"]
    conference = child(ctx, number, "joint_conference")

    convene = ready(ctx, conference)
    assert [(t.element_id, t.role, t.unit_key) for t in convene] == [
        ("convene", "street_dispatcher", STREET1)
    ]
    step(
        ctx,
        conference,
        "convene",
        "sd01",
        {
            "invited": ["dept-cg", "dept-ga", "dept-zj"],
            "opinion_due": after(ctx, hours=4),
            "agenda": "占道",
        },
    )
    opinions = ready(ctx, conference)
    assert sorted(t.unit_key for t in opinions) == ["dept-cg", "dept-ga", "dept-zj"]
    assert {t.element_id for t in opinions} == {"give_opinion"}
    for user, dept in (("dh-cg", "dept-cg"), ("dh-ga", "dept-ga")):
        task = next(t for t in opinions if t.unit_key == dept)
        cases.complete(
            ctx, load_actor(ctx, user), task.id, {"opinion_text": "同意", "can_lead": True}
        )
    assert [t.element_id for t in ready(ctx, conference)] == ["give_opinion"]

    ctx.clock.advance(hours=5)
    fire_until_quiet(ctx, conference)  # dept-zj misses the box; the conference goes on
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), conference)
    assert [(m.department_key, m.kind) for m in detail.marks] == [("dept-zj", "conference_missed")]
    assert [t.element_id for t in ready(ctx, conference)] == ["decide"]

    _decide(ctx, conference)
    handle = ready(ctx, number)
    assert sorted((t.element_id, t.unit_key) for t in handle) == [
        ("joint_handle", "dept-cg"),
        ("joint_handle", "dept-ga"),
    ]
    parent = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert parent.case.status == "in_progress"
    assert parent.case.department_key == "dept-cg"
    assert parent.data["conference"]["missed"] == ["dept-zj"]
    assert cases.get_case(ctx, load_actor(ctx, "admin"), conference).case.status == "closed"

    # handled only when the lead and every co-handler have fed back
    step(ctx, number, "joint_handle", "dh-cg", {"result": "已清理"})
    assert [t.element_id for t in ready(ctx, number)] == ["joint_handle"]
    step(ctx, number, "joint_handle", "dh-ga", {"result": "已劝离"})
    assert [t.element_id for t in ready(ctx, number)] == ["verify"]


def test_two_returns_send_the_case_to_the_conference(ctx: GridcaseContext) -> None:
    number = accepted(ctx)
    for _ in range(2):
        step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
        step(ctx, number, "sign", "dh-cg", {"decision": "return", "reason": "不属于本部门职责"})
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert detail.case.return_count == 2
    assert detail.waiting_for == ["conference_decided"]
    conference = child(ctx, number, "joint_conference")
    assert cases.get_case(ctx, load_actor(ctx, "admin"), conference).data["reason"] == (
        "returned_twice"
    )
    assert [t.element_id for t in ready(ctx, conference)] == ["convene"]


def test_supervision_sends_an_overdue_case_to_the_conference(ctx: GridcaseContext) -> None:
    number = accepted(ctx)
    deadline = after(ctx, hours=4)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg", "deadline": deadline})
    ctx.clock.advance(days=2)
    fire_until_quiet(ctx, number)
    step(ctx, number, "supervise", "sup-dh", {"decision": "joint_conference", "notice": "推诿"})
    conference = child(ctx, number, "joint_conference")
    assert cases.get_case(ctx, load_actor(ctx, "admin"), conference).data["reason"] == (
        "supervision"
    )
    step(ctx, conference, "convene", "sd01", {"invited": ["dept-cg"], "agenda": "督办转联席"})
    step(ctx, conference, "give_opinion", "dh-cg", {"opinion_text": "可牵头"})
    _decide(ctx, conference)
    assert {t.element_id for t in ready(ctx, number)} == {"joint_handle"}


def test_rework_after_the_conference_goes_to_lead_and_co_handlers_with_a_new_deadline(
    ctx: GridcaseContext,
) -> None:
    """Found in use: the verifier's "not fixed" sent the rework to the lead department alone,
    with the conference's deadline (long past); the co-handlers were not told."""
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"mode": "joint_conference", "invited": ["dept-cg"]})
    conference = child(ctx, number, "joint_conference")
    step(ctx, conference, "convene", "sd01", {"invited": ["dept-cg"], "agenda": "占道"})
    step(ctx, conference, "give_opinion", "dh-cg", {"opinion_text": "可牵头"})
    _decide(ctx, conference)  # deadline in two days
    step(ctx, number, "joint_handle", "dh-cg", {"result": "已清理"})
    step(ctx, number, "joint_handle", "dh-ga", {"result": "已劝离"})
    ctx.clock.advance(days=3)  # the conference's deadline has passed by the verification
    rework_due = after(ctx, days=1)
    step(
        ctx,
        number,
        "verify",
        "gw01",
        {"fixed": False, "comment": "仍有摊位", "rework_due": rework_due},
    )

    rework = ready(ctx, number)
    assert sorted((t.element_id, t.unit_key) for t in rework) == [
        ("joint_handle", "dept-cg"),
        ("joint_handle", "dept-ga"),
    ]
    assert {t.due_at.isoformat() for t in rework} == {rework_due}
    tasks = cases.get_case(ctx, load_actor(ctx, "admin"), number).tasks
    assert not any(t.overdue for t in tasks if t.task.state == "ready")


def test_a_rework_without_a_date_gets_the_category_limit_from_now(ctx: GridcaseContext) -> None:
    number = accepted(ctx)
    step(
        ctx, number, "dispatch", "cd01", {"department": "dept-cg", "deadline": after(ctx, hours=4)}
    )
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    step(ctx, number, "handle", "dh-cg", {"result": "已处理"})
    ctx.clock.advance(days=2)
    step(ctx, number, "verify", "gw01", {"fixed": False, "comment": "没修好"})
    [handle] = ready(ctx, number)
    assert (handle.element_id, handle.unit_key) == ("handle", "dept-cg")
    assert handle.due_at > ctx.clock.now()


def test_convening_and_deciding_have_time_limits(ctx: GridcaseContext) -> None:
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"mode": "joint_conference", "invited": ["dept-cg"]})
    conference = child(ctx, number, "joint_conference")
    [convene] = ready(ctx, conference)
    assert convene.due_at is not None and convene.due_at > ctx.clock.now()
    ctx.clock.advance(days=5)
    fire_until_quiet(ctx, conference)
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), conference)
    assert detail.case.alert_level == "red"
    assert [t.element_id for t in ready(ctx, conference)] == ["convene"]  # still to be done
    with ctx.uow() as uow:
        told = {(n.kind, n.role, n.unit_key) for n in uow.notifications.for_case(detail.case.id)}
    assert ("overdue", "street_dispatcher", STREET1) in told

    step(ctx, conference, "convene", "sd01", {"invited": ["dept-cg"], "agenda": "占道"})
    step(ctx, conference, "give_opinion", "dh-cg", {"opinion_text": "可牵头"})
    [decide] = ready(ctx, conference)
    assert decide.element_id == "decide" and decide.due_at > ctx.clock.now()
