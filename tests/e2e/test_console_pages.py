"""The console shows the first cases of each list and pages through one list on its own:
a district's thousand overdue cases are not drawn on one page."""

from __future__ import annotations

import re

import pytest

from tests.app_fixtures import PASSWORD
from tests.processes.helpers import report
from web import create_app
from workflows.services import supervision
from workflows.services.context import GridcaseContext


def _numbers(page: str, kind: str) -> list[str]:
    """The case numbers listed in the console's section ``kind``."""
    section = re.search(rf'<section class="card" id="list-{kind}">(.*?)</section>', page, re.S)
    assert section, f"no {kind} list"
    return re.findall(r'name="case" value="([^"]+)"', section.group(1))


def test_a_long_list_shows_its_first_cases_and_pages_on_its_own(
    ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervision, "CONSOLE_ROWS", 2)
    for _ in range(5):
        report(ctx)
    ctx.clock.advance(hours=ctx.settings.stalled_after_hours + 1)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, ctx)
    web = app.test_client()
    web.post("/login", data={"username": "cmd01", "password": PASSWORD})

    overview = web.get("/console").get_data(as_text=True)
    first = _numbers(overview, "stalled")
    assert len(first) == 2
    assert 'href="/console?list=stalled">查看全部 5 件<' in overview

    pages = [web.get(f"/console?list=stalled&page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    listed = [_numbers(page, "stalled") for page in pages]
    assert listed[0] == first and [len(n) for n in listed] == [2, 2, 1]
    assert len({n for page in listed for n in page}) == 5  # each case once
    assert 'id="list-overdue"' not in pages[0]  # only the list paged through
    assert ">下一页<" in pages[1] and ">上一页<" in pages[1]
    assert ">下一页<" not in pages[2]
    assert 'href="/console">回到总览<' in pages[2]
