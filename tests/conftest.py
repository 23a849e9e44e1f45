"""Shared fixtures: real PostgreSQL and Redis servers for the whole session, app contexts."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import PostgresServer, RedisServer, start_postgres, start_redis

pytest_plugins = ["tests.app_fixtures"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    base = Path(tempfile.mkdtemp(prefix="gridcase-pg-"))
    try:
        server = start_postgres(base)
    except (RuntimeError, OSError) as err:
        pytest.fail(f"cannot start the PostgreSQL test server: {err}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    base = Path(tempfile.mkdtemp(prefix="gridcase-redis-"))
    try:
        server = start_redis(base)
    except (RuntimeError, OSError) as err:
        pytest.fail(f"cannot start the Redis test server: {err}")
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    redis_server.flushall()
    yield redis_server.url
    redis_server.flushall()
