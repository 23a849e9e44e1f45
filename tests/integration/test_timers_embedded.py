"""The embedded default runs timers in-process on SQLite: evaluation closes by itself.

The test moves the clock past the evaluation limit (7 days) and waits, in real time, only
for the in-process worker thread's next poll."""

from __future__ import annotations

from tests.app_fixtures import make_context
from tests.worker_process import wait_for
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.wiring.bootstrap import start_embedded_worker

GRID1 = "339901001001001"


def test_unanswered_evaluation_closes_as_satisfied_by_default(sqlite_url: str) -> None:
    ctx = make_context(sqlite_url)
    assert start_embedded_worker(ctx)
    try:
        detail = cases.report_case(
            ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "井盖松动 loose cover", grid=GRID1)
        )
        review = detail.tasks[0].task.id
        detail = cases.complete(
            ctx, load_actor(ctx, "cd01"), review, {"decision": "handle_on_spot"}
        )
        on_spot = next(t.task.id for t in detail.tasks if t.task.state == "ready")
        detail = cases.complete(ctx, load_actor(ctx, "gw01"), on_spot, {"result": "已固定"})
        assert detail.case.status == "closed"
        ctx.clock.advance(days=8)  # nobody evaluates within the 7-day limit

        admin = load_actor(ctx, "admin")
        closed = wait_for(
            lambda: (
                (d := cases.get_case(ctx, admin, detail.case.number)).case.status == "evaluated"
                and d
            ),
            20,
            "the automatic closure",
        )
        assert closed.case.satisfaction == "satisfied_by_default"
        assert [h.action for h in closed.history].count("auto_closed") == 1
        with ctx.uow() as uow:
            notices = uow.notifications.for_case(closed.case.id)
        assert [(n.kind, n.role) for n in notices] == [("auto_closed", "community_dispatcher")]
    finally:
        ctx.close()
