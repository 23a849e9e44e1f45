"""Server time of the main pages with many open cases: each page requested through the
WSGI app (no network), as the user who would open it. `gridcase bench pages` prints it."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from flask.testing import FlaskClient

from web import create_app
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

GRID = "339901001001001"


@dataclass(frozen=True)
class PageTiming:
    page: str
    ms: list[float]

    def line(self) -> str:
        q = statistics.quantiles(self.ms, n=20) if len(self.ms) > 1 else [self.ms[0]] * 19
        return f"{self.page:<44} p50 {statistics.median(self.ms):6.1f} ms   p95 {q[18]:6.1f} ms"


def open_reviews(ctx: GridcaseContext) -> int:
    return cases.inbox(ctx, load_actor(ctx, "cd01"), cases.InboxFilter(), per_page=1).total


def fill(ctx: GridcaseContext, open_cases: int) -> None:
    """Report cases in one grid until the community's review queue holds ``open_cases``."""
    reporter = load_actor(ctx, "gw01")
    for i in range(max(0, open_cases - open_reviews(ctx))):
        new = cases.NewCase("02", f"bench {i}: 暴露垃圾", grid=GRID, address=f"东湖路{i}号")
        cases.report_case(ctx, reporter, new)


def _login(client: FlaskClient, user: str, password: str) -> None:
    client.post("/login", data={"username": user, "password": password})


def _time(client: FlaskClient, path: str, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return timings


def run(ctx: GridcaseContext, password: str, repeat: int = 20) -> list[PageTiming]:
    app = create_app({"WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench"}, context=ctx)
    page = cases.inbox(ctx, load_actor(ctx, "cd01"), cases.InboxFilter(), per_page=1)
    task_id = page.items[0].task.id
    number = page.items[0].case.number
    last_page = max(1, page.total // 50)
    plan: list[tuple[str, str, str]] = [
        ("cd01", "/inbox", "inbox, page 1"),
        ("cd01", f"/inbox?page={last_page}", f"inbox, page {last_page}"),
        ("cd01", "/inbox?q=东湖路1", "inbox, search"),
        ("cd01", "/inbox?category=02&overdue=1", "inbox, filtered"),
        ("cd01", f"/tasks/{task_id}", "task page"),
        ("cd01", f"/cases/{number}", "case page"),
        ("cd01", f"/cases/{number}/diagram.json", "case diagram data"),
        ("gw01", "/report", "report page"),
        ("sup01", "/console", "supervisors' console"),
        ("sup01", "/console/heat/closed_loop.json", "heatmap data"),
        ("designer", "/processes", "processes"),
    ]
    results = []
    for user, path, label in plan:
        with app.test_client() as client:
            _login(client, user, password)
            client.get(path)  # warm: spec parse, template compile
            results.append(PageTiming(label, _time(client, path, repeat)))
    return results


def report(timings: list[PageTiming], open_tasks: int) -> str:
    head = f"{open_tasks} open review tasks in one community inbox; server time per request"
    return "\n".join([head] + [t.line() for t in timings])
