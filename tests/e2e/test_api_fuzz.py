"""The OpenAPI document is the truth: every API route is in it, and a bounded fuzzing run
generated from it (schemathesis) finds no 500 and no answer that differs from the document
— status, content type, headers, body. Requests the domain refuses although the schema
allows them (an unknown unit, a category of the wrong length of meaning) are not failures:
the document cannot say which units exist."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.app_fixtures import make_context
from web import create_app, openapi
from workflows.services.accounts import issue_token

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.unsupported_method,
    checks.allow_header_conformance,
]


# The schema is loaded from the app when the module is collected (schemathesis makes one
# test per operation from it), so the app and its database are made here, once.
_FOLDER = Path(tempfile.mkdtemp(prefix="gridcase-fuzz-"))
_CTX = make_context(f"sqlite:///{_FOLDER / 'fuzz.db'}", upload_dir=_FOLDER / "up")
_APP = create_app({"TESTING": True, "SECRET_KEY": "fuzz"}, _CTX)
_TOKEN = issue_token(_CTX, "sup01", "fuzz")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _APP)


@pytest.fixture(scope="module")
def fuzzed():
    yield _APP, _TOKEN
    _CTX.close()
    shutil.rmtree(_FOLDER, ignore_errors=True)


def test_every_api_route_is_described(fuzzed) -> None:
    """The document is generated from the routes; each route's operation must also be
    described (what it takes and answers), and no description may name a route that is
    not there."""
    app, _token = fuzzed
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    routes = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")]
    assert len(paths) >= len(set(routes)) > 30
    undescribed = [
        f"{verb.upper()} {path}"
        for path, ops in paths.items()
        for verb, op in ops.items()
        if verb != "parameters" and op.get("x-undescribed")
    ]
    assert not undescribed
    stale = [
        f"{verb.upper()} {path}"
        for path, ops in openapi._described()["paths"].items()
        for verb in ops
        if verb != "parameters" and verb not in paths.get(path, {})
    ]
    assert not stale


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_documented(case, fuzzed) -> None:
    _app, token = fuzzed
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
