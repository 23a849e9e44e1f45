"""Notices go out to the configured webhook by a background job, and the delivery is kept."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

from tests.app_fixtures import make_context
from tests.worker_process import wait_for
from workflows.services import cases, deadlines
from workflows.services.accounts import load_actor

GRID1 = "339901001001001"


def test_extension_notice_is_posted_to_the_webhook(sqlite_url: str) -> None:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = make_context(sqlite_url, webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
    try:
        dispatcher = load_actor(ctx, "cd01")
        detail = cases.report_case(
            ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "占道经营", grid=GRID1)
        )
        detail = cases.complete(ctx, dispatcher, detail.tasks[0].task.id, {"decision": "accept"})
        dispatch = next(t.task.id for t in detail.tasks if t.task.state == "ready")
        detail = cases.complete(ctx, dispatcher, dispatch, {"department": "dept-cg"})
        sign = next(t.task for t in detail.tasks if t.task.state == "ready")
        until = sign.due_at + timedelta(days=2)
        deadlines.request_extension(ctx, load_actor(ctx, "dh-cg"), sign.id, "等待配件", until)

        wait_for(lambda: received, 120, "the webhook POST")  # ends as soon as it arrives
        assert received[0]["kind"] == "extension_requested"
        assert received[0]["role"] == "community_dispatcher"

        def delivery() -> dict | None:  # written once the POST has been answered
            with ctx.uow() as uow:
                return uow.notifications.get(received[0]["id"]).deliveries.get("webhook")

        assert wait_for(delivery, 120, "the delivery kept")["status"] == 204
        assert datetime.fromisoformat(received[0]["created_at"]) <= datetime.now(UTC)
    finally:
        ctx.close()
        server.shutdown()
