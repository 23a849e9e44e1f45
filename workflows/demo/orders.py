"""The demo district's volunteer order pool: party members' branches and phones, and orders
in every state — open, full, escalated to the street's party office, and done with points.
Everything goes through the use cases; only the timers that would fire later are fired now
(as a supervisor may), and the finished order's service is moved back to yesterday."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine import timers as instance_timers
from workflows.domain.service_orders import OrderDraft
from workflows.services import service_orders, service_records, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext
from workflows.services.service_orders import MemberResult

DONGHU, HUBIN, XISHAN, CUIYUAN = (
    "339901001001000",
    "339901001002000",
    "339901002001000",
    "339901002002000",
)
# username: (home community, party branch, phone)
MEMBERS = {
    "dangyuan1": (DONGHU, "东湖社区第一党支部", "13800001001"),
    "dangyuan2": (DONGHU, "东湖社区第一党支部", "13800001002"),
    "dangyuan3": (HUBIN, "湖滨社区党支部", "13800001003"),
    "dangyuan4": (XISHAN, "区市场监管局机关党支部", "13800001004"),
    "dangyuan5": (CUIYUAN, "区教育局机关第二党支部", "13800001005"),
    "dangyuan6": (DONGHU, "区城管局机关党支部", "13800001006"),
}


def seed_volunteers(ctx: GridcaseContext) -> int:
    """Branches and phones of the demo party members (who exist once the org is seeded)."""
    admin = load_actor(ctx, "admin")
    for username, (home, branch, phone) in MEMBERS.items():
        service_records.save_profile(
            ctx, admin, username, branch=branch, phone=phone, home_unit=home
        )
    return len(MEMBERS)


def _draft(now: datetime, title: str, kind: str, days: float, needed: int, **kw) -> OrderDraft:
    starts = (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return OrderDraft(
        kind=kind,
        title=title,
        description=kw.get("description", ""),
        address=kw.get("address", "东湖社区党群服务站"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=kw.get("hours", 3)),
        needed=needed,
        claim_deadline=starts - timedelta(hours=kw.get("close_before", 12)),
    )


def _fire_next(ctx: GridcaseContext, instance_id: int) -> None:
    """Fire the order's next timer now, as if its time had come."""
    with ctx.uow() as uow:
        wakeup = uow.wakeups.get(instance_id)
        assert wakeup is not None
        instance_timers.move_timer(
            uow, ctx.runtime, instance_id, wakeup.timer_task_id, uow.now(), "demo", "演示"
        )
        uow.commit()
    timers.fire(ctx, instance_id)


def seed_demo_orders(ctx: GridcaseContext) -> int:
    """Create the demo orders unless there are orders already; returns how many."""
    with ctx.uow() as uow:
        if uow.orders.posted_under(["/"], limit=1):
            return 0
    now = ctx.clock.now()
    cd01, dq = load_actor(ctx, "cd01"), load_actor(ctx, "dq-dh")
    member = {name: load_actor(ctx, name) for name in MEMBERS}
    post = service_orders.post_order
    # Open, one place taken.
    open_order = post(
        ctx,
        cd01,
        _draft(
            now,
            "周末小区环境清洁志愿服务",
            "hands",
            4,
            5,
            description="清理楼道堆物、绿化带垃圾，请自带手套",
            address="东湖小区中心广场",
        ),
    )
    service_orders.claim(ctx, member["dangyuan1"], open_order.id)
    # Full.
    full = post(
        ctx,
        cd01,
        _draft(now, "独居老人助餐送餐", "care", 3, 2, address="东湖社区老年食堂", hours=2),
    )
    for name in ("dangyuan2", "dangyuan6"):
        service_orders.claim(ctx, member[name], full.id)
    # Short of people close to its deadline: the street's party office arranges people.
    short = post(
        ctx,
        dq,
        _draft(
            now,
            "防范电信诈骗政策宣讲",
            "policy",
            2,
            4,
            description="进小区讲解反诈知识，发放宣传册",
            address="湖滨社区文化家园",
        ),
        unit_key="339901001000000",
    )
    service_orders.claim(ctx, member["dangyuan3"], short.id)
    _fire_next(ctx, short.instance_id or 0)
    # Done, with points: posted, claimed, served yesterday and confirmed.
    done = post(
        ctx, cd01, _draft(now, "义务理发便民服务", "convenience", 1, 2, address="东湖社区广场")
    )
    for name in ("dangyuan1", "dangyuan2"):
        service_orders.claim(ctx, member[name], done.id)
    while True:
        view = service_orders.view(ctx, cd01, done.id)
        if view.task("confirm") is not None:
            break
        _fire_next(ctx, done.instance_id or 0)
    members = [MemberResult(c.id, True, 3, "服务认真") for c, _ in view.members]
    service_orders.confirm(ctx, cd01, done.id, members)
    _served_yesterday(ctx, done.id)
    return 4


def _served_yesterday(ctx: GridcaseContext, order_id: int) -> None:
    """Move the finished demo order's times back by two days (it was served yesterday)."""
    back = timedelta(days=2)
    with ctx.uow() as uow:
        order = uow.orders.get(order_id)
        for name in ("starts_at", "ends_at", "claim_deadline", "escalate_at", "created_at"):
            setattr(order, name, getattr(order, name) - back)
        for claim, _ in uow.orders.claims(order_id):
            claim.claimed_at -= back
        uow.commit()
