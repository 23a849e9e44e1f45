"""The closed loop over HTTP: gunicorn with 2 workers in front of the database named by
GRIDCASE_DATABASE_URL, clients reporting and completing every step through the API with
bearer tokens (``?view=next``), 1, 2 and 4 clients in turn. Only completions are timed;
finding the next step (a GET of the case) is the loop's bookkeeping."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from benchmarks.loop import HAPPY_PATH
from workflows.domain.routing import suggested_department
from workflows.services.accounts import issue_token, load_actor
from workflows.services.context import GridcaseContext


@dataclass
class HttpRun:
    clients: int
    per_s: float
    p50_ms: float
    p95_ms: float
    rss_mb: list[float]

    def line(self) -> str:
        rss = ", ".join(f"{m:.0f}" for m in self.rss_mb)
        return (
            f"{self.clients} client(s): {self.per_s:.1f} completions/s, "
            f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms; RSS per worker {rss} MB"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(master: int) -> list[float]:
    """Resident memory of the gunicorn workers (the master's children)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _wait_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/login", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


class Accounts:
    """A bearer token for whoever holds a task's role in its unit (made once, shared)."""

    def __init__(self, ctx: GridcaseContext):
        self.ctx = ctx
        self.tokens: dict[str, str] = {}
        self.holders: dict[tuple[str, str], str] = {}
        self.lock = threading.Lock()

    def token(self, user: str) -> str:
        with self.lock:
            if user not in self.tokens:
                self.tokens[user] = issue_token(self.ctx, user, "bench-http", days=1)
            return self.tokens[user]

    def holder(self, role: str, unit: str) -> str:
        with self.lock:
            if (role, unit) not in self.holders:
                with self.ctx.uow() as uow:
                    self.holders[(role, unit)] = uow.users.holders(role, unit)[0].username
            return self.holders[(role, unit)]


def _client(base: str, accounts: Accounts, department: str, n: int, out: list[float]) -> None:
    http = requests.Session()

    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.token(user)}"}

    for _ in range(n):
        body = {"category": "02", "description": "bench: 暴露垃圾", "grid": "339901001001001"}
        case = http.post(f"{base}/api/v1/cases", json=body, headers=auth("gw01")).json()
        number = case["case"]["number"]
        while True:
            shown = http.get(f"{base}/api/v1/cases/{number}", headers=auth("admin")).json()
            ready = shown["current_tasks"]
            if not ready:
                break
            task = ready[0]
            user = task.get("assignee") or accounts.holder(task["role"], task["unit"]["key"])
            answers = dict(HAPPY_PATH.get(task["name"], {}))
            if task["name"] == "dispatch":
                answers["department"] = department
            started = time.perf_counter()
            resp = http.post(
                f"{base}/api/v1/tasks/{task['id']}/complete?view=next",
                json={"data": answers},
                headers=auth(user),
            )
            out.append((time.perf_counter() - started) * 1000)
            resp.raise_for_status()


def run(ctx: GridcaseContext, cases_per_client: int, clients: tuple[int, ...] = (1, 2, 4)) -> str:
    accounts = Accounts(ctx)
    grid = load_actor(ctx, "gw01").units_with("grid_worker")[0]
    department = suggested_department(ctx.directory, ctx.catalog, "02", grid).key
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web.wsgi:app",
        ],
        env={**os.environ},
    )
    try:
        _wait_up(base)
        _client(base, accounts, department, 2, [])  # warm both workers' caches
        lines = []
        for n in clients:
            timings: list[float] = []
            threads = [
                threading.Thread(
                    target=_client, args=(base, accounts, department, cases_per_client, timings)
                )
                for _ in range(n)
            ]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            q = statistics.quantiles(timings, n=100)
            lines.append(HttpRun(n, len(timings) / wall, q[49], q[94], _rss_mb(server.pid)).line())
        return "\n".join(lines)
    finally:
        server.terminate()
        server.wait(timeout=30)
