"""Members taking the last place of an order at the same moment, in threads on the real
servers: exactly one gets it, the others hear 名额已满; one member claiming twice at once
holds one place."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from engine.errors import ConflictError
from tests.integration.test_order_pool import post
from workflows.services import service_orders
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

MEMBERS = [f"dangyuan{n}" for n in range(1, 7)]


def race(attempts: list[Callable[[], object]]) -> Counter:
    """Run the attempts in threads released together; count ok and each refusal."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def attempt(action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            action()
            outcomes.append("ok")
        except ConflictError as err:
            outcomes.append(err.said.template)

    threads = [threading.Thread(target=attempt, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(outcomes)


def test_six_members_take_the_last_place_at_once(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=2)
    service_orders.claim(ctx, load_actor(ctx, "dangyuan6"), order.id)
    actors = [load_actor(ctx, name) for name in MEMBERS[:5]]
    outcomes = race([lambda a=a: service_orders.claim(ctx, a, order.id) for a in actors])
    assert outcomes == {"ok": 1, "no places left: the order is full": 4}
    shown = service_orders.view(ctx, load_actor(ctx, "cd01"), order.id)
    assert shown.order.claimed == 2 and len(shown.members) == 2
    with ctx.uow() as uow:  # the process heard it was full exactly once
        journal = uow.journal.for_instance(order.instance_id)
    assert [e.action for e in journal].count("message_received") == 1


def test_one_member_claiming_twice_at_once_holds_one_place(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=3)
    member = load_actor(ctx, "dangyuan1")
    outcomes = race([lambda: service_orders.claim(ctx, member, order.id)] * 4)
    assert outcomes == {"ok": 1, "you have already signed up for this order": 3}
    assert service_orders.view(ctx, load_actor(ctx, "cd01"), order.id).order.claimed == 1


def test_a_double_click_on_withdraw_or_claim_again_moves_one_place(ctx: GridcaseContext) -> None:
    order = post(ctx, needed=3)
    member = load_actor(ctx, "dangyuan1")
    service_orders.claim(ctx, member, order.id)
    service_orders.claim(ctx, load_actor(ctx, "dangyuan2"), order.id)
    outcomes = race([lambda: service_orders.withdraw(ctx, member, order.id)] * 3)
    assert outcomes == {"ok": 1, "you hold no place on this order": 2}
    manager = load_actor(ctx, "cd01")
    assert service_orders.view(ctx, manager, order.id).order.claimed == 1
    outcomes = race([lambda: service_orders.claim(ctx, member, order.id)] * 3)
    assert outcomes == {"ok": 1, "you have already signed up for this order": 2}
    assert service_orders.view(ctx, manager, order.id).order.claimed == 2
