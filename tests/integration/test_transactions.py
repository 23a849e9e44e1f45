"""One user action, one transaction: the commits of each action are counted at the database,
whichever door it comes through (page, API, timer), and an action that fails keeps nothing —
not its rows, not its files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from engine import steering
from tests.app_fixtures import PASSWORD, Api
from tests.images import png
from tests.processes.helpers import GRID1, accepted, after, ready, step
from web import create_app
from workflows.domain.errors import WorkflowStepError
from workflows.services import cases, timers
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

PNG = png()


@contextmanager
def commits(ctx: GridcaseContext) -> Iterator[list[int]]:
    """Count the transactions committed inside the block."""
    count = [0]

    def counted(_conn: Any) -> None:
        count[0] += 1

    event.listen(ctx.db, "commit", counted)
    try:
        yield count
    finally:
        event.remove(ctx.db, "commit", counted)


def _pages(ctx: GridcaseContext, user: str) -> FlaskClient:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, context=ctx)
    client = app.test_client()
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def _handle_task(ctx: GridcaseContext) -> tuple[str, str]:
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    return number, next(t.id for t in ready(ctx, number) if t.element_id == "handle")


def test_report_and_completion_from_the_pages_commit_once(ctx: GridcaseContext) -> None:
    reporter = _pages(ctx, "gw01")
    form = {"category": "02", "description": "占道经营", "grid": GRID1}
    with commits(ctx) as count:
        resp = reporter.post(
            "/report", data={**form, "photos": (io.BytesIO(PNG), "a.png", "image/png")}
        )
    assert resp.status_code == 302 and count[0] == 1

    number, handle = _handle_task(ctx)
    handler = _pages(ctx, "dh-cg")
    with commits(ctx) as count:
        resp = handler.post(
            f"/tasks/{handle}",
            data={"result": "已清理", "photos": (io.BytesIO(PNG), "b.png", "image/png")},
        )
    assert resp.status_code == 302 and count[0] == 1
    detail = cases.get_case(ctx, load_actor(ctx, "admin"), number)
    assert [a.task_id for a in detail.attachments] == [handle]


def test_report_and_completion_over_the_api_commit_once(api: Api) -> None:
    ctx = api.ctx
    for user in ("gw01", "dh-cg"):
        api.get(user, "/api/v1/me")  # the token's first use is recorded: not the action's
    with commits(ctx) as count:
        resp = api.client.post(
            "/api/v1/cases",
            headers=api._headers("gw01"),
            data={
                "category": "02",
                "description": "井盖破损",
                "grid": GRID1,
                "photos": [(io.BytesIO(PNG), "a.png", "image/png")],
            },
            content_type="multipart/form-data",
        )
    assert resp.status_code == 201, resp.get_json()
    assert count[0] == 1
    assert len(resp.get_json()["case"]["photos"]) == 1

    _number, handle = _handle_task(ctx)
    with commits(ctx) as count:
        resp = api.client.post(
            f"/api/v1/tasks/{handle}/complete",
            headers=api._headers("dh-cg"),
            data={
                "data": '{"result": "已更换"}',
                "photos": (io.BytesIO(PNG), "c.png", "image/png"),
            },
            content_type="multipart/form-data",
        )
    assert resp.status_code == 200, resp.get_json()
    assert count[0] == 1
    handled = next(t for t in resp.get_json()["tasks"] if t["id"] == handle)
    assert handled["state"] == "completed"


def test_a_timer_firing_and_a_bulk_reassign_commit_once_per_case(ctx: GridcaseContext) -> None:
    number = accepted(ctx)
    deadline = after(ctx, hours=1)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg", "deadline": deadline})
    ctx.clock.advance(hours=2)
    instance = cases.get_case(ctx, load_actor(ctx, "admin"), number).case.instance_id or 0
    with commits(ctx) as count:
        assert timers.fire(ctx, instance)
    assert count[0] == 1

    supervisor = _pages(ctx, "sup01")
    with commits(ctx) as count:
        resp = supervisor.post(
            "/console/bulk",
            data={"action": "reassign", "case": [number], "unit_to": "dept-zj", "reason": "改派"},
        )
    assert resp.status_code == 200 and count[0] == 1


def test_a_completion_that_fails_in_the_engine_keeps_no_photo(ctx: GridcaseContext) -> None:
    number, handle = _handle_task(ctx)
    with ctx.uow() as uow:  # a faulty release: the verification timers can no longer be set
        case = uow.cases.by_number(number)
        instance = uow.instances.get(case.instance_id)
        steering.edit_data(uow, ctx.runtime, instance, {"category": "99"}, "test", "坏数据")
        uow.commit()
    upload = cases.Upload("d.png", "image/png", io.BytesIO(PNG))
    with pytest.raises(WorkflowStepError, match="step_warning"):
        cases.complete(
            ctx, load_actor(ctx, "dh-cg"), handle, {"result": "x"}, photos={"photos": [upload]}
        )
    assert cases.get_case(ctx, load_actor(ctx, "admin"), number).attachments == []
    folder = ctx.settings.upload_dir
    assert not folder.exists() or not any(folder.iterdir())


def test_a_report_from_the_pages_answers_without_reading_the_case_back(
    ctx: GridcaseContext,
) -> None:
    """The page goes to the case page next, which reads the case: the report itself answers
    with the number (reading the whole case view back cost it eight statements)."""
    read: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        read.append(statement)

    event.listen(ctx.db, "before_cursor_execute", seen)
    try:
        reported = cases.report(
            ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "占道经营", grid=GRID1)
        )
    finally:
        event.remove(ctx.db, "before_cursor_execute", seen)
    assert not [s for s in read if s.lstrip().startswith("SELECT") and "FROM journal" in s]
    assert reported.status == "reported"
    assert [t.element_id for t in ready(ctx, reported.number)] == ["review"]
