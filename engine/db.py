"""Database plumbing: the declarative base, a UTC datetime type and the engine factory.

One code path serves SQLite (the embedded default) and PostgreSQL (production, psycopg 3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    SQLite drops the zone; without this type a value written aware comes back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the engine's and the domain's tables."""

    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


def make_database(url: str, *, echo: bool = False) -> Engine:
    """Create an SQLAlchemy engine for ``url`` with settings fit for concurrent use.

    SQLite gets WAL mode, a busy timeout and foreign keys; an in-memory SQLite URL shares
    one connection so every session sees the same database.
    """
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            # SQLite has one writer at a time; queueing threads on a single pooled connection
            # is fair and avoids the busy handler's sleeps (p99 ~1 s with 4 writers).
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
        engine = create_engine(url, echo=echo, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin, so BEGIN
            # IMMEDIATE takes the write lock up front and concurrent writers queue.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable across application crashes in WAL mode; only a power loss
            # can drop the last commits. The embedded default trades that for speed.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Connections are recycled instead of pinged before each use: a ping is a round trip.
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=1800)


def make_session_factory(engine: Engine) -> sessionmaker:
    """Return the session factory every unit of work uses."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def without_parallel_workers(session: Any) -> None:
    """On PostgreSQL, plan the rest of the transaction without parallel workers: a list that
    stops after one page gains nothing from them and waits for their start-up (20 ms and
    more on a busy machine). Nothing to do elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def upsert_insert(session: Any) -> Any:
    """The dialect's ``INSERT … ON CONFLICT`` construct (PostgreSQL or SQLite) for the
    session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert
