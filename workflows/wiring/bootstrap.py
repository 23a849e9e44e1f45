"""Build the context of one process: database, catalog, org tree, runtime, job queue, clock.

The web app, the CLI and the worker each call :func:`build_context` once; tests call it with
their own settings and clock. The embedded job queue's handlers are wired here, so the use
cases never import what runs them.
"""

from __future__ import annotations

from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import inspect

from engine.clock import Clock, SystemClock
from engine.db import make_database, make_session_factory
from engine.host import WorkflowHost
from engine.instances import Runtime
from engine.job_queue import InlineJobQueue, JobQueue, RQJobQueue
from engine.spec_registry import SpecRegistry
from workflows.domain.bpmn_contract import bpmn_properties
from workflows.domain.bpmn_functions import bpmn_functions
from workflows.domain.calendar import WorkCalendar
from workflows.domain.catalog import Catalog
from workflows.domain.org import OrgDirectory
from workflows.domain.routing import LaneAssigner
from workflows.services import deadlines, indicators, notifications, timers
from workflows.services.context import GridcaseContext, Settings
from workflows.wiring.settings import SQLITE_PREFIX, settings_from_env

JOBS_MODULE = "workflows.wiring.jobs"
POLL_SECONDS = 1.0


def make_registry(catalog: Catalog) -> SpecRegistry:
    """The spec registry with this deployment's lanes and property contract (no database)."""
    return SpecRegistry(catalog.lanes, bpmn_properties(catalog))


def build_context(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    clock: Clock | None = None,
) -> GridcaseContext:
    """Build the context and load the org tree if the schema exists."""
    settings = settings or settings_from_env()
    if settings.database_url.startswith(SQLITE_PREFIX) and ":memory:" not in settings.database_url:
        Path(settings.database_url.removeprefix(SQLITE_PREFIX)).parent.mkdir(
            parents=True, exist_ok=True
        )
    catalog = catalog or Catalog.load()
    calendar = WorkCalendar.load(settings.calendar_path)
    clock = clock or SystemClock()
    directory = OrgDirectory([])
    registry = make_registry(catalog)
    host = WorkflowHost(bpmn_functions(directory, catalog, calendar, clock), clock)
    db = make_database(settings.database_url)
    ctx = GridcaseContext(
        settings=settings,
        db=db,
        session_factory=make_session_factory(db),
        catalog=catalog,
        calendar=calendar,
        directory=directory,
        registry=registry,
        runtime=Runtime(host, registry, LaneAssigner(directory, catalog)),
        jobs=_job_queue(settings),
        clock=clock,
    )
    if isinstance(ctx.jobs, InlineJobQueue):
        _bind_inline_handlers(ctx.jobs, ctx)
    if inspect(db).has_table("org_units"):
        ctx.reload_org()
    return ctx


def _job_queue(settings: Settings) -> JobQueue:
    """RQ over Redis when ``redis_url`` is set, else the in-process queue."""
    if settings.redis_url:
        return RQJobQueue(redis_client(settings.redis_url), JOBS_MODULE)
    return InlineJobQueue(handlers={}, poll=lambda: None, interval=POLL_SECONDS)


def redis_client(url: str) -> Redis:
    """A client that fails at once when Redis is away, without retrying: nothing on the
    request path waits for Redis (timers and notices are in the database, and the worker's
    sweep queues what could not be queued)."""
    return Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )


def _bind_inline_handlers(queue: InlineJobQueue, ctx: GridcaseContext) -> None:
    queue.handlers.update(
        drain_timers=lambda: timers.drain(ctx),
        deliver_notification=lambda nid, channel: notifications.deliver(ctx, nid, channel),
    )

    def poll() -> None:
        timers.fire_all_due(ctx)
        notifications.resend_pending(ctx, notifications.OUTBOX_GRACE)
        indicators.settle_rollup(ctx)
        deadlines.lapse_moved_on(ctx)

    queue.poll = poll


def start_embedded_worker(ctx: GridcaseContext) -> bool:
    """Run timers and jobs in this process (the embedded default, no Redis); False when
    Redis workers do it."""
    if isinstance(ctx.jobs, InlineJobQueue):
        ctx.jobs.start()
        return True
    return False
