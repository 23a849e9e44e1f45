"""An inbox counts its tasks exactly only up to a cap and then says "N+": a page of a big
inbox does not count every task on every request."""

from __future__ import annotations

import pytest

from tests.processes.helpers import report
from workflows.adapters import queries
from workflows.services import cases
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def test_the_count_stops_at_the_cap(ctx: GridcaseContext, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        report(ctx)
    dispatcher = load_actor(ctx, "cd01")
    page = cases.inbox(ctx, dispatcher, cases.InboxFilter(), per_page=2)
    assert (page.total, page.more, len(page.items)) == (5, False, 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(cases, "COUNT_CAP", 3)
    page = cases.inbox(ctx, dispatcher, cases.InboxFilter(), per_page=2)
    assert (page.total, page.more, len(page.items)) == (3, True, 2)
    last = cases.inbox(ctx, dispatcher, cases.InboxFilter(), page=3, per_page=2)
    assert len(last.items) == 1  # the pages go on past the count
