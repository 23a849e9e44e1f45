"""Serve an app on a loopback port in a thread and drive Debian's Chromium with Playwright."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
# How long one browser step may take before a test gives up: generous, because a page that
# renders in a second takes twenty on a 2-core machine at load 9 (the report page did). Only a
# broken page ever waits this long.
PATIENCE_MS = 120_000


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until(page: Any, expression: str, timeout_ms: int = PATIENCE_MS) -> None:
    """Wait until a JavaScript expression is true in the page, polled from here: the pages'
    Content-Security-Policy forbids eval, which Playwright's ``wait_for_function`` uses."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(50)


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def login(browser: Any, base: str, user: str, width: int = 1280, **options: Any) -> Any:
    """A new page logged in as a demo user, past the login page (wherever they land)."""
    from tests.app_fixtures import PASSWORD

    page = browser.new_page(
        viewport={"width": width, "height": 900}, accept_downloads=True, **options
    )
    page.set_default_timeout(PATIENCE_MS)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def scratch_context(tmp_path_factory: Any, sqlite_template: Path, name: str) -> Any:
    """A copy of the seeded demo district for one test module, uploads beside it."""
    from tests.app_fixtures import copy_sqlite_template, make_context

    tmp = tmp_path_factory.mktemp(name)
    return make_context(copy_sqlite_template(sqlite_template, tmp), upload_dir=tmp / "uploads")


@contextmanager
def browsing(ctx: Any) -> Iterator[tuple[str, Any]]:
    """The app on ``ctx`` served on a free port, and a headless Chromium to look at it."""
    from web import create_app

    app = create_app({"SECRET_KEY": "browser-test"}, context=ctx)
    with serving(app) as base, chromium() as browser:
        yield base, browser
