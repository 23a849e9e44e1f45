"""Servers failing under load: Redis stopped, PostgreSQL restarted.

Real servers, a real worker process and the real web app (its test client, one per thread);
these tests wait for real, with generous limits that end as soon as their condition holds.
The outages are seconds long rather than the minute of the issue: what is tested is that
nothing on the request path needs Redis and that the pool recovers, which a longer outage
only makes slower to watch.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.app_fixtures import PASSWORD, Api, make_context
from tests.servers import PostgresServer, start_redis
from tests.worker_process import WorkerProcess, wait_for
from web import create_app
from workflows.adapters.models import Case, Notification
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
GRID1 = "339901001001001"
WAIT = 120


class Hook:
    """A webhook receiver that keeps every notice id it was sent."""

    def __init__(self) -> None:
        received: list[int] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body)["id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[Hook]:
    found = Hook()
    yield found
    found.server.shutdown()


def _api(ctx: GridcaseContext) -> Api:
    config = {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
    return Api(create_app(config, context=ctx).test_client(), ctx, {})


def _report_and_dispatch(api: Api, seconds: float) -> tuple[str, list[int]]:
    """Report a case over the API, accept it and dispatch it with a handling deadline
    ``seconds`` away; the statuses answered."""
    answer = api.post(
        "gw01", "/api/v1/cases", json={"category": "02", "description": "井盖缺失", "grid": GRID1}
    )
    statuses = [answer.status_code]
    number = answer.get_json()["case"]["number"]
    review = api.task(number, "review")["id"]
    statuses.append(
        api.post(
            "cd01", f"/api/v1/tasks/{review}/complete", json={"data": {"decision": "accept"}}
        ).status_code
    )
    dispatch = api.task(number, "dispatch")["id"]
    deadline = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
    data = {"department": "dept-cg", "deadline": deadline}
    statuses.append(
        api.post("cd01", f"/api/v1/tasks/{dispatch}/complete", json={"data": data}).status_code
    )
    return number, statuses


def test_redis_stopped_under_load_loses_no_notice_and_fires_each_timer_once(
    pg_url: str, tmp_path: Path, hook: Hook
) -> None:
    redis = start_redis(tmp_path)
    ctx = make_context(pg_url, redis_url=redis.url, webhook_url=hook.url)
    worker = WorkerProcess(
        pg_url, redis.url, tmp_path / "worker.log", extra_env={"GRIDCASE_WEBHOOK_URL": hook.url}
    )
    try:
        worker.wait_ready()
        apis = [_api(ctx) for _ in range(4)]
        for api in apis:  # tokens are issued before the outage, as a client would hold them
            for user in ("gw01", "cd01", "dh-cg"):
                api._headers(user)
        redis.stop()

        numbers: list[str] = []
        statuses: list[int] = []

        def load(api: Api) -> None:
            for _ in range(3):
                number, answered = _report_and_dispatch(api, seconds=4)
                numbers.append(number)
                statuses.extend(answered)

        threads = [threading.Thread(target=load, args=(api,)) for api in apis]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # an extension request raises a notice for the dispatcher while Redis is away
        sign = apis[0].task(numbers[0], "sign")
        until = (datetime.fromisoformat(sign["due_at"]) + timedelta(days=2)).isoformat()
        asked = apis[0].post(
            "dh-cg",
            f"/api/v1/tasks/{sign['id']}/extension",
            json={"reason": "等配件", "until": until},
        )
        login = apis[1].client.post("/login", data={"username": "gw01", "password": PASSWORD})
        assert set(statuses) == {200, 201} and len(numbers) == 12
        assert asked.status_code == 201, asked.get_json()
        assert login.status_code == 302  # the login limiter counts in memory meanwhile
        # the deadlines (4 s after each dispatch, all dispatched by now) pass while Redis is
        # still away; the worker runs on the wall clock
        passed = datetime.now(UTC) + timedelta(seconds=4)
        wait_for(lambda: datetime.now(UTC) > passed, WAIT, "the deadlines to pass")

        redis = start_redis(tmp_path, port=redis.port)  # back, and empty

        def all_fired() -> bool:
            with ctx.uow() as uow:
                alerts = uow.session.scalars(
                    select(Case.alert_level).where(Case.number.in_(numbers))
                )
                return all(a == "red" for a in alerts)

        wait_for(all_fired, WAIT, "every overdue timer to fire after Redis came back")
        with ctx.uow() as uow:
            ids = set(uow.session.scalars(select(Notification.id)))
        wait_for(lambda: ids <= set(hook.received), WAIT, "every notice to reach the webhook")

        def settled() -> bool:  # nothing left to send: a second delivery would be sent by now
            with ctx.uow() as uow:
                waiting = uow.notifications.pending(datetime.now(UTC) + timedelta(days=1))
            return not waiting and ctx.jobs.backlog() == 0

        wait_for(settled, WAIT, "every delivery recorded and the queue empty")
        assert Counter(hook.received).most_common(1)[0][1] == 1  # each notice exactly once
        admin = load_actor(ctx, "admin")
        for number in numbers:
            journal = Counter(h.action for h in cases.get_case(ctx, admin, number).history)
            assert journal["warning"] == 1 and journal["overdue"] == 1, (number, journal)
    finally:
        worker.stop()
        redis.stop()
        ctx.close()


def test_postgres_restarted_under_load_answers_503_and_recovers(
    postgres_server: PostgresServer, pg_url: str
) -> None:
    ctx = make_context(pg_url)
    api = _api(ctx)
    for user in ("gw01", "cd01"):
        api._headers(user)
    with ctx.uow() as uow:
        before = uow.session.scalar(select(func.count()).select_from(Case))
    answers: list[Any] = []
    created: list[str] = []
    stop = threading.Event()

    def load(client: Api) -> None:
        client.tokens = api.tokens
        while not stop.is_set():
            try:
                answer = client.post(
                    "gw01",
                    "/api/v1/cases",
                    json={"category": "02", "description": "路灯不亮", "grid": GRID1},
                )
            except Exception as err:  # any escape fails the test below
                answers.append(err)
                continue
            answers.append(answer)
            if answer.status_code == 201:
                created.append(answer.get_json()["case"]["number"])

    # The apps are made here: CPython 3.11.7 can fail compiling the routes of apps made in
    # several threads at once ("AST constructor recursion depth mismatch").
    threads = [threading.Thread(target=load, args=(_api(ctx),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(created) >= 4, WAIT, "the first reports")
        # a restart: sessions in flight are cut. (Not a crash: the test server runs without
        # synchronous commit, whose last commits a crash may lose — a production setting
        # a deployment must not copy.)
        postgres_server.halt("fast")
        wait_for(lambda: 503 in {getattr(a, "status_code", 0) for a in answers}, WAIT, "a 503")
        postgres_server.start()
        seen = len(answers)
        wait_for(
            lambda: len(created) >= 4 + 8 and len(answers) > seen + 8,
            WAIT,
            "reports after the restart",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    statuses = Counter(getattr(a, "status_code", a) for a in answers)
    assert set(statuses) <= {201, 503}, statuses
    failed = [a for a in answers if a.status_code == 503]
    assert failed, "the restart cut no request in flight"
    assert failed[0].headers["Retry-After"] == "5"
    assert failed[0].get_json()["error"] == "DatabaseUnavailable"
    assert (
        api.post(
            "gw01", "/api/v1/cases", json={"category": "02", "description": "好了", "grid": GRID1}
        ).status_code
        == 201
    )

    with ctx.uow() as uow:
        stored = list(uow.session.scalars(select(Case.number).order_by(Case.id).offset(before)))
    assert set(created) <= set(stored)
    admin = load_actor(ctx, "admin")
    for number in stored:  # every case that exists is whole: its process, its report entry
        detail = cases.get_case(ctx, admin, number)
        assert [t.task.element_id for t in detail.tasks if t.task.state == "ready"] == ["review"]
        assert "started" in {h.action for h in detail.history}, number
    ctx.close()
