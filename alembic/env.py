"""Alembic environment: the metadata of every gridcase table, on the caller's connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import engine.models  # noqa: F401 - registers the engine tables on the shared metadata
import workflows.adapters.care_models  # the key-person register
import workflows.adapters.models  # registers the domain tables
import workflows.adapters.order_models  # noqa: F401 - the volunteer order pool
from engine.db import Base

target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from workflows.wiring.settings import settings_from_env

    with create_engine(settings_from_env().database_url).connect() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
