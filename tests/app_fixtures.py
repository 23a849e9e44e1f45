"""Fixtures that build a seeded gridcase on SQLite or on the real PostgreSQL server.

The schema is migrated, the processes deployed and the demo district seeded once per test
session into a template database; each test gets a copy (a file copy for SQLite, ``CREATE
DATABASE … TEMPLATE`` for PostgreSQL) and a clock of its own that it moves instead of
sleeping.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.clock import ShiftedClock
from web import create_app
from workflows.demo import seed_demo_org
from workflows.services.accounts import issue_token
from workflows.services.context import GridcaseContext
from workflows.wiring import database
from workflows.wiring.bootstrap import build_context
from workflows.wiring.settings import SQLITE_PREFIX, settings_from_env

PASSWORD = "test-pass-123"
PG_TEMPLATE = "gridcase_template"
_db_numbers = itertools.count(1)


def make_context(url: str, **settings: Any) -> GridcaseContext:
    """A context on ``url`` with a clock the test moves; the database is prepared and seeded
    unless it is a copy of the template. Uploads go to a folder beside a SQLite file unless
    ``upload_dir`` is given."""
    if "upload_dir" not in settings and url.startswith(SQLITE_PREFIX):
        settings["upload_dir"] = Path(url.removeprefix(SQLITE_PREFIX)).parent / "uploads"
    ctx = build_context(settings_from_env(database_url=url, **settings), clock=ShiftedClock())
    if not database.is_prepared(ctx):
        database.prepare(ctx)
        seed_demo_org(ctx, PASSWORD)
    return ctx


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "gridcase.db"
    make_context(f"{SQLITE_PREFIX}{path}").close()
    with sqlite3.connect(path) as conn:  # fold the write-ahead log into the file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = postgres_server.create_database(PG_TEMPLATE)
    uploads = tmp_path_factory.mktemp("pg-template-uploads")
    make_context(url, upload_dir=uploads).close()
    return PG_TEMPLATE


def copy_sqlite_template(template: Path, folder: Path) -> str:
    """A copy of the prepared SQLite database in ``folder``; its URL."""
    target = folder / "gridcase.db"
    shutil.copyfile(template, target)
    return f"{SQLITE_PREFIX}{target}"


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh prepared database per test, on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return copy_sqlite_template(sqlite_template, tmp_path)


@pytest.fixture
def pg_url(postgres_server: Any, postgres_template: str) -> Iterator[str]:
    name = f"t{next(_db_numbers)}"
    yield postgres_server.create_database(name, template=postgres_template)
    postgres_server.drop_database(name)


@pytest.fixture
def ctx(backend_url: str, tmp_path: Path) -> Iterator[GridcaseContext]:
    context = make_context(backend_url, upload_dir=tmp_path / "uploads")
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

    def delete_as(self, user: str, path: str, **kw: Any):
        return self.client.delete(path, headers=self._headers(user), **kw)

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
