"""Timers fired in batches: many instances due at once fire in one transaction per batch;
one whose script fails is recorded and the rest of the batch still commits; a drain fires
everything due, batch after batch. (The RQ drain jobs, a Redis flush and a worker killed
mid-batch are in test_timers_rq.py.)"""

from __future__ import annotations

from engine import steering
from tests.integration.test_overrides import _signing
from workflows.services import cases, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def test_a_failing_instance_is_isolated_and_the_batch_commits(ctx: GridcaseContext) -> None:
    sup = load_actor(ctx, "sup01")
    numbers = [_signing(ctx) for _ in range(5)]
    broken = cases.get_case(ctx, sup, numbers[2])
    with ctx.uow() as uow:  # a faulty release: the category the timer path needs is gone
        instance = uow.instances.get(broken.case.instance_id)
        steering.edit_data(uow, ctx.runtime, instance, {"category": "99"}, "test", "坏数据")
        uow.commit()
    ctx.clock.advance(days=30)  # every sign deadline (and its warning) has passed

    first = timers.fire_batch(ctx, limit=3)
    assert first.claimed == 3 and first.fired == 2  # the broken one is recorded, not fired
    assert timers.drain(ctx, limit=2) == 2  # the other two, a batch at a time
    assert timers.due(ctx) == []
    for number in numbers:
        detail = cases.get_case(ctx, sup, number)
        if number == numbers[2]:
            assert detail.error and detail.case.alert_level != "red"
        else:
            assert detail.error is None and detail.case.alert_level == "red", number
            assert "supervise" in [
                t.task.element_id for t in detail.tasks if t.task.state == "ready"
            ]


def test_nothing_due_fires_nothing(ctx: GridcaseContext) -> None:
    _signing(ctx)
    assert timers.fire_batch(ctx) == timers.Batch(0, 0)
    assert timers.drain(ctx) == 0
