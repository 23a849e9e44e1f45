"""Fixtures that build a seeded gridcase on SQLite or on the real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from web import create_app
from workflows import schema
from workflows.auth import issue_token
from workflows.context import GridcaseContext, Settings, build_context

PASSWORD = "test-pass-123"
_db_numbers = itertools.count(1)


def make_context(url: str, **settings: Any) -> GridcaseContext:
    ctx = build_context(Settings(database_url=url, **settings))
    schema.prepare(ctx, demo=True, password=PASSWORD)
    return ctx


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database per test, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gridcase.db'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"t{next(_db_numbers)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gridcase.db'}"


@pytest.fixture
def pg_url(postgres_server: Any) -> str:
    return postgres_server.create_database(f"t{next(_db_numbers)}")


@pytest.fixture
def ctx(backend_url: str) -> Iterator[GridcaseContext]:
    context = make_context(backend_url)
    yield context
    context.close()


@dataclass
class Api:
    """A test client that calls the API as a named demo user (bearer tokens)."""

    client: FlaskClient
    ctx: GridcaseContext
    tokens: dict[str, str]

    def _headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            self.tokens[user] = issue_token(self.ctx, user, "test")
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str, path: str, **kw: Any):
        return self.client.get(path, headers=self._headers(user), **kw)

    def post(self, user: str, path: str, json: Any = None, **kw: Any):
        return self.client.post(path, headers=self._headers(user), json=json, **kw)

    def report(self, user: str = "gw01", **fields: Any) -> dict[str, Any]:
        body = {"category": "02", "description": "路边暴露垃圾 rubbish by the road", **fields}
        resp = self.post(user, "/api/v1/cases", json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def case(self, number: str, user: str = "admin") -> dict[str, Any]:
        resp = self.get(user, f"/api/v1/cases/{number}")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def task(self, number: str, name: str, user: str = "admin") -> dict[str, Any]:
        tasks = [t for t in self.case(number, user)["current_tasks"] if t["name"] == name]
        assert tasks, f"no ready task {name} on {number}"
        return tasks[0]

    def complete(self, user: str, task_id: str, data: dict[str, Any], status: int = 200):
        resp = self.post(user, f"/api/v1/tasks/{task_id}/complete", json={"data": data})
        assert resp.status_code == status, resp.get_json()
        return resp.get_json()

    def step(self, number: str, name: str, user: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.complete(user, self.task(number, name)["id"], data)


@pytest.fixture
def api(ctx: GridcaseContext) -> Api:
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, context=ctx)
    return Api(app.test_client(), ctx, {})
