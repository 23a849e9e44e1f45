"""The volunteer order pool on both databases: post → claim → confirm → points per member
and branch; withdrawing; the refusals; the escalation of an order nobody filled; who may
do what. Time is the test's clock, moved past deadlines (never slept)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from engine.errors import ConflictError, FieldErrors, ForbiddenError
from tests.images import png
from workflows.domain.service_orders import OrderDraft
from workflows.services import notifications, service_orders, service_records, timers
from workflows.services.accounts import load_actor
from workflows.services.attachments import Upload
from workflows.services.context import GridcaseContext
from workflows.services.service_orders import MemberResult

DONGHU = "339901001001000"
STREET = "339901001000000"


def draft(ctx: GridcaseContext, needed: int = 2, **kw) -> OrderDraft:
    """An order whose service starts in three days (sign-up closes 12 hours before)."""
    now = ctx.clock.now()
    starts = now + timedelta(days=3)
    return OrderDraft(
        kind=kw.get("kind", "hands"),
        title=kw.get("title", "楼道清理"),
        description="清理楼道堆物",
        address="东湖小区3幢",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        needed=needed,
        claim_deadline=kw.get("claim_deadline", starts - timedelta(hours=12)),
    )


def post(ctx: GridcaseContext, needed: int = 2, user: str = "cd01", **kw):
    return service_orders.post_order(ctx, load_actor(ctx, user), draft(ctx, needed, **kw))


def claim(ctx: GridcaseContext, user: str, order_id: int) -> service_orders.OrderView:
    return service_orders.claim(ctx, load_actor(ctx, user), order_id)


def fire_until(ctx: GridcaseContext, order_id: int, element: str, user: str = "cd01"):
    """Move the clock to each next wake-up of the order and fire it until ``element`` waits."""
    actor = load_actor(ctx, user)
    for _ in range(5):
        shown = service_orders.view(ctx, actor, order_id)
        if shown.task(element) is not None:
            return shown
        with ctx.uow() as uow:
            wakeup = uow.wakeups.get(shown.order.instance_id)
        assert wakeup is not None, f"nothing waits on order {order_id}"
        ctx.clock.advance_to(wakeup.due_at)
        timers.fire(ctx, shown.order.instance_id)
    raise AssertionError(f"{element} never came")


def test_post_claim_confirm_gives_points_to_member_and_branch(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=2)
    assert (order.stage, order.claimed, order.unit_key, order.street_key) == (
        "open",
        0,
        DONGHU,
        STREET,
    )
    pool = service_orders.pool(ctx, load_actor(ctx, "dangyuan4"))  # another street
    assert [(i.order.id, i.tier) for i in pool] == [(order.id, 2)]
    assert service_orders.pool(ctx, load_actor(ctx, "dangyuan1"))[0].tier == 0

    claim(ctx, "dangyuan1", order.id)
    full = claim(ctx, "dangyuan2", order.id)
    assert full.order.full and full.order.claimed == 2
    assert not full.may_claim and full.may_withdraw
    with pytest.raises(ConflictError) as refused:
        claim(ctx, "dangyuan6", order.id)
    assert refused.value.said.template == "no places left: the order is full"

    shown = fire_until(ctx, order.id, "confirm")
    assert shown.order.stage == "confirming"
    assert [u.username for _, u in shown.members] == ["dangyuan1", "dangyuan2"]
    titles = [n.title for n in notifications.for_actor(ctx, load_actor(ctx, "cd01"))]
    assert any("待确认服务" in t and "楼道清理" in t for t in titles)

    first, second = (c.id for c, _ in shown.members)
    with pytest.raises(FieldErrors) as missing:
        service_orders.confirm(
            ctx, load_actor(ctx, "cd01"), order.id, [MemberResult(first, True, 3)]
        )
    assert f"member-{second}" in missing.value.fields
    done = service_orders.confirm(
        ctx,
        load_actor(ctx, "cd01"),
        order.id,
        [MemberResult(first, True, 3, "认真"), MemberResult(second, False)],
        photos={first: [Upload("现场.png", "image/png", io.BytesIO(png()))]},
    )
    assert done.order.stage == "done" and done.order.done_at is not None
    row, path = service_orders.photo(ctx, load_actor(ctx, "dangyuan1"), order.id, first)
    assert row.file_name == "现场.png" and path.exists()
    with pytest.raises(ForbiddenError):  # another member's photo
        service_orders.photo(ctx, load_actor(ctx, "dangyuan2"), order.id, first)
    by_member = service_records.ranking(ctx, load_actor(ctx, "cd01"))
    assert [(r.key, r.hours, r.points, r.services) for r in by_member.rows] == [
        ("dangyuan1", 3.0, 30.0, 1)
    ]
    by_branch = service_records.ranking(ctx, load_actor(ctx, "dq-dh"), by="branch")
    assert [(r.name, r.points) for r in by_branch.rows] == [("东湖社区第一党支部", 30.0)]
    mine = service_records.my_service(ctx, load_actor(ctx, "dangyuan1"))
    assert (mine.hours, mine.points) == (3.0, 30.0)
    lines = service_records.records(ctx, load_actor(ctx, "cd01"), "all")
    assert [(line.username, line.claim.points) for line in lines] == [("dangyuan1", 30.0)]
    with pytest.raises(ConflictError):
        service_orders.confirm(ctx, load_actor(ctx, "cd01"), order.id, [])


def test_withdraw_reclaim_and_the_refusals(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=1)
    claim(ctx, "dangyuan1", order.id)
    with pytest.raises(ConflictError):
        claim(ctx, "dangyuan1", order.id)  # twice
    back = service_orders.withdraw(ctx, load_actor(ctx, "dangyuan1"), order.id)
    assert back.order.claimed == 0 and back.may_claim
    with pytest.raises(ConflictError):
        service_orders.withdraw(ctx, load_actor(ctx, "dangyuan1"), order.id)
    again = claim(ctx, "dangyuan2", order.id)
    assert again.order.full
    service_orders.withdraw(ctx, load_actor(ctx, "dangyuan2"), order.id)  # reopens the order
    assert claim(ctx, "dangyuan1", order.id).my_claim.state == "claimed"  # a second time

    ctx.clock.advance_to(order.claim_deadline)
    with pytest.raises(ConflictError):
        claim(ctx, "dangyuan2", order.id)  # after the deadline
    with pytest.raises(ConflictError):
        service_orders.withdraw(ctx, load_actor(ctx, "dangyuan1"), order.id)


def test_orders_of_another_district_are_not_claimed(ctx: GridcaseContext) -> None:
    order = post(ctx)
    with ctx.uow() as uow:
        uow.orders.get(order.id).district_key = "339902000000000"
        uow.commit()
    with pytest.raises(ForbiddenError):
        claim(ctx, "dangyuan1", order.id)


def test_an_order_short_of_people_goes_to_the_street_party_office(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=3)
    claim(ctx, "dangyuan1", order.id)
    assert order.escalate_at == order.claim_deadline - timedelta(hours=24)
    office = load_actor(ctx, "dq-dh")
    assert service_orders.managed(ctx, office)[1] == []
    shown = fire_until(ctx, order.id, "arrange", user="dq-dh")
    assert ctx.clock.now() >= order.escalate_at
    assert shown.order.stage == "escalated" and shown.order.escalated_at is not None
    task = shown.task("arrange")
    assert (task.role, task.unit_key) == ("party_office", STREET)
    assert [s.task.id for s in service_orders.managed(ctx, office)[1]] == [task.id]
    assert service_orders.waiting_steps(ctx, office) == 1
    notices = notifications.for_actor(ctx, office)
    assert notices[0].kind == "order_unfilled" and "1/3" in notices[0].body
    assert claim(ctx, "dangyuan2", order.id).order.claimed == 2  # still open until the deadline

    with pytest.raises(ForbiddenError):
        service_orders.arrange(ctx, load_actor(ctx, "cd01"), order.id, "x")
    with pytest.raises(FieldErrors):
        service_orders.arrange(ctx, office, order.id, " ")
    arranged = service_orders.arrange(ctx, office, order.id, "联系区城管局机关党支部补派1人")
    assert arranged.order.stage == "arranged" and arranged.order.arrangement
    assert fire_until(ctx, order.id, "confirm").order.stage == "confirming"


def test_a_withdrawal_from_a_full_order_lets_it_escalate_again(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=1)
    claim(ctx, "dangyuan1", order.id)
    ctx.clock.advance_to(order.escalate_at)
    service_orders.withdraw(ctx, load_actor(ctx, "dangyuan1"), order.id)
    shown = fire_until(ctx, order.id, "arrange", user="dq-dh")
    assert shown.order.stage == "escalated"


def test_who_may_do_what(ctx: GridcaseContext) -> None:
    with pytest.raises(ForbiddenError):
        post(ctx, user="dangyuan1")  # a volunteer posts nothing
    for user in ("dh-cg", "designer"):
        actor = load_actor(ctx, user)
        with pytest.raises(ForbiddenError):
            service_orders.managed(ctx, actor)
        with pytest.raises(ForbiddenError):
            service_records.ranking(ctx, actor)
        with pytest.raises(ForbiddenError):
            service_orders.pool(ctx, actor)
    with pytest.raises(ForbiddenError):
        service_records.ranking(ctx, load_actor(ctx, "dangyuan1"))
    with pytest.raises(ForbiddenError):  # cd01 holds its community, not the neighbour's
        service_records.ranking(ctx, load_actor(ctx, "cd01"), unit_key="339901001002000")
    with pytest.raises(ForbiddenError):  # a community posts for itself only
        service_orders.post_order(
            ctx, load_actor(ctx, "cd01"), draft(ctx), unit_key="339901001002000"
        )
    street_order = service_orders.post_order(
        ctx, load_actor(ctx, "dq-dh"), draft(ctx), unit_key=STREET
    )
    assert street_order.unit_key == STREET
    with pytest.raises(ForbiddenError):
        service_orders.view(ctx, load_actor(ctx, "dh-cg"), street_order.id)
    member_view = service_orders.view(ctx, load_actor(ctx, "dangyuan3"), street_order.id)
    assert not member_view.manages and member_view.members == [] and member_view.may_claim
    with pytest.raises(FieldErrors) as bad:
        service_orders.post_order(
            ctx,
            load_actor(ctx, "cd01"),
            draft(ctx, needed=0, claim_deadline=ctx.clock.now() + timedelta(days=5)),
        )
    assert set(bad.value.fields) == {"needed", "claim_deadline"}
