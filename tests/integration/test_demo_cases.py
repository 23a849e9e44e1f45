"""The demo cases `make run` seeds: every stage of the loop, seeded once."""

from __future__ import annotations

from collections import Counter

from workflows.adapters.models import Case
from workflows.demo.cases import seed_demo_cases
from workflows.services import supervision
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def test_demo_cases_cover_the_loop_and_are_seeded_once(ctx: GridcaseContext) -> None:
    assert seed_demo_cases(ctx) == 14
    assert seed_demo_cases(ctx) == 0
    with ctx.uow() as uow:
        statuses = Counter(c.status for c in uow.session.query(Case))
        processes = {c.process_id for c in uow.session.query(Case)}
    # two reports, two work orders and a resident's report waiting for review (community,
    # 12345 and city-management centres); one call answered directly waits for its return visit
    assert statuses["reported"] == 5 and statuses["evaluated"] == 1 and statuses["closed"] == 1
    assert {"registered", "dispatched", "in_progress", "resolved"} <= set(statuses)
    assert processes == {"closed_loop", "dispute_mediation", "sensor_alert"}
    view = supervision.console(ctx, load_actor(ctx, "sup-dh"))
    assert view.totals["overdue"] == 1
