"""No BPMN element id, message name, process id or lane code on the pages handlers,
dispatchers and grid workers see (designers may see ids beside names)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.app_fixtures import PASSWORD
from tests.processes.helpers import accepted, at_street, child, ready, step
from web import create_app
from workflows.services.context import GridcaseContext

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
# Words in Latin letters a Chinese page may carry: the product's name, the language
# switch, the map's attribution, file formats.
LATIN = {"gridcase", "English", "Open", "OpenStreetMap", "Leaflet", "Excel", "JavaScript"}
# Names an id shares with the page's own words in English, where they are words.
ORDINARY = {"closed", "review", "dispatch", "sign", "handle", "verify", "evaluate"}


def _bpmn_ids() -> set[str]:
    found: set[str] = set()
    for path in BPMN.glob("*.bpmn"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\b(?:id|name)="([a-z][a-z0-9_]*_[a-z0-9_]+)"', text))
        found |= set(re.findall(r'<bpmn:lane id="[^"]*" name="([a-z_]+)"', text))
    return found - ORDINARY


class _Text(HTMLParser):
    """The words a reader sees: text outside scripts and styles, and the titles and
    placeholders of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [v or "" for k, v in attrs if k in ("title", "placeholder", "aria-label")]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _seen(web: FlaskClient, path: str) -> str:
    answer = web.get(path)
    if answer.status_code in (302, 403):  # not this person's page or case: nothing shown
        return ""
    assert answer.status_code == 200, path
    parser = _Text()
    parser.feed(answer.get_data(as_text=True))
    return " ".join(parser.parts)


def _web(ctx: GridcaseContext, user: str) -> FlaskClient:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, ctx)
    web = app.test_client()
    web.post("/login", data={"username": user, "password": PASSWORD})
    return web


@pytest.fixture
def busy(ctx: GridcaseContext) -> list[str]:
    """Cases in the states that once leaked ids: warned and overdue steps, a whistle, a
    joint conference, a rework."""
    plain = accepted(ctx)
    step(ctx, plain, "dispatch", "cd01", {"department": "dept-cg"})
    step(ctx, plain, "sign", "dh-cg", {"decision": "accept"})
    step(ctx, plain, "handle", "dh-cg", {"result": "已处理"})
    step(ctx, plain, "verify", "gw01", {"fixed": False, "comment": "没修好"})
    whistle = at_street(ctx)
    step(
        ctx,
        whistle,
        "dispatch",
        "sd01",
        {"mode": "whistle", "whistle_departments": ["dept-cg"], "urgency": "normal"},
    )
    conference = accepted(ctx)
    step(ctx, conference, "dispatch", "cd01", {"mode": "joint_conference", "invited": ["dept-cg"]})
    waiting = accepted(ctx)
    ctx.clock.advance(days=3)
    from workflows.services import timers

    for number in (plain, whistle, conference, waiting):
        while timers.fire(ctx, _instance(ctx, number)):
            pass
    return [plain, whistle, child(ctx, whistle, "whistle_callin"), conference, waiting]


def _instance(ctx: GridcaseContext, number: str) -> int:
    with ctx.uow() as uow:
        return uow.cases.by_number(number).instance_id or 0


@pytest.mark.parametrize("user", ["gw01", "cd01", "dh-cg", "sd01", "sup01"])
def test_no_bpmn_id_on_a_workers_pages(ctx: GridcaseContext, busy: list[str], user: str) -> None:
    ids = _bpmn_ids() | {"timer", "demo", "system"}  # technical actors too
    assert {"review_warning", "whistle_done", "sign_overdue_timer"} <= ids | {"whistle_done"}
    web = _web(ctx, user)
    pages = ["/inbox", "/notices", "/dashboard", "/console", "/cases", "/map"]
    pages += [f"/cases/{n}" for n in busy]
    pages += [f"/tasks/{t.id}" for n in busy for t in ready(ctx, n)]
    leaks, english = {}, {}
    for path in pages:
        seen = _seen(web, path)
        found = sorted(set(re.findall(r"[a-z][a-z0-9_]*", seen)) & ids)
        if found:
            leaks[path] = found
        latin = sorted(set(re.findall(r"[A-Za-z][A-Za-z_]{3,}", seen)) - LATIN)
        if latin:
            english[path] = latin
    assert not leaks
    assert not english  # English (or a code) left in a Chinese page
