"""A bulk action on the supervisors' console says in its colour whether every case changed:
a partial or failed run was shown in green."""

from __future__ import annotations

import re

from tests.app_fixtures import PASSWORD
from tests.processes.helpers import accepted
from web import create_app
from workflows.services import overrides
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _flash(page: str) -> tuple[str, str]:
    found = re.search(r'<p class="flash ([a-z]*)" role="status">([^<]*)</p>', page)
    assert found, page[:500]
    return found.group(1), found.group(2)


def test_a_partly_failed_bulk_action_is_not_green(ctx: GridcaseContext) -> None:
    first, second, ended = accepted(ctx), accepted(ctx), accepted(ctx)
    overrides.terminate(ctx, load_actor(ctx, "sup01"), ended, "重复上报")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, ctx)
    web = app.test_client()
    web.post("/login", data={"username": "sup01", "password": PASSWORD})

    def bulk(*numbers: str) -> tuple[str, str]:
        form = {"action": "suspend", "reason": "等待业主回复", "case": list(numbers)}
        return _flash(web.post("/console/bulk", data=form).get_data(as_text=True))

    assert bulk(first)[0] == "message"  # every case changed: green
    assert bulk(second, ended)[0] == "warning"  # one of two
    assert bulk(ended)[0] == "error"  # none
