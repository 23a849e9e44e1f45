"""The embedded default runs timers in-process on SQLite: evaluation closes by itself."""

from __future__ import annotations

import copy

from tests.app_fixtures import PASSWORD
from tests.worker_process import wait_for
from workflows import cases, schema
from workflows.auth import load_actor
from workflows.catalog import Catalog
from workflows.context import GridcaseContext, Settings

GRID1 = "339901001001001"


def test_unanswered_evaluation_closes_as_satisfied_by_default(sqlite_url: str) -> None:
    raw = copy.deepcopy(Catalog.load().raw)
    raw["step_limits"]["evaluate"] = {"hours": 2 / 3600}  # two seconds
    ctx = GridcaseContext(Settings(database_url=sqlite_url), catalog=Catalog(raw))
    schema.prepare(ctx, demo=True, password=PASSWORD)
    ctx.start_embedded_worker()
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
