"""The service context every entry point builds once: settings, database, catalog, engine.

The web app, the CLI and the RQ jobs each call :func:`build_context` and then only the use-case
functions, passing the context in.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import inspect
from sqlalchemy.orm import sessionmaker

from engine.db import make_engine, make_session_factory
from engine.host import WorkflowHost
from engine.instances import Engine
from engine.job_queue import InlineJobQueue, JobQueue, RQJobQueue
from engine.spec_registry import SpecRegistry
from workflows.calendar import WorkCalendar
from workflows.catalog import Catalog
from workflows.functions import bpmn_functions
from workflows.org import OrgDirectory, Unit
from workflows.routing import LaneAssigner
from workflows.uow import CaseUnitOfWork

PROJECT_DIR = Path(__file__).resolve().parent.parent
REQUIRED_TASK_PROPERTIES = ("unit",)


@dataclass(frozen=True)
class Settings:
    """Where things are. Read from ``GRIDCASE_*`` environment variables by default."""

    database_url: str = "sqlite:///instance/gridcase.db"
    bpmn_dir: Path = PROJECT_DIR / "bpmn"
    redis_url: str | None = None
    calendar_path: Path | None = None
    webhook_url: str | None = None
    sweep_interval: float = 5.0
    upload_dir: Path = Path("instance/uploads")
    # No progress for this long puts a case on the supervisors' "stalled" list.
    stalled_after_hours: float = 48.0

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = {
            "database_url": os.environ.get("GRIDCASE_DATABASE_URL"),
            "bpmn_dir": os.environ.get("GRIDCASE_BPMN_DIR"),
            "redis_url": os.environ.get("GRIDCASE_REDIS_URL"),
            "calendar_path": os.environ.get("GRIDCASE_CALENDAR"),
            "webhook_url": os.environ.get("GRIDCASE_WEBHOOK_URL"),
            "sweep_interval": os.environ.get("GRIDCASE_SWEEP_INTERVAL"),
            "upload_dir": os.environ.get("GRIDCASE_UPLOAD_DIR"),
            "stalled_after_hours": os.environ.get("GRIDCASE_STALLED_AFTER_HOURS"),
        }
        values = {k: v for k, v in env.items() if v}
        for key in ("bpmn_dir", "calendar_path", "upload_dir"):
            if key in values:
                values[key] = Path(values[key])
        for key in ("sweep_interval", "stalled_after_hours"):
            if key in values:
                values[key] = float(values[key])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


class GridcaseContext:
    """Long-lived objects of one process: create once, share across threads."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog | None = None,
        calendar: WorkCalendar | None = None,
    ):
        self.settings = settings
        self.db: SqlEngine = make_engine(settings.database_url)
        self.session_factory: sessionmaker = make_session_factory(self.db)
        self.catalog = catalog or Catalog.load()
        self.calendar = calendar or WorkCalendar.load(settings.calendar_path)
        self.directory = OrgDirectory([])
        self.registry = make_registry(self.catalog)
        self.engine = Engine(
            host=WorkflowHost(bpmn_functions(self.directory, self.catalog, self.calendar)),
            registry=self.registry,
            assigner=LaneAssigner(self.directory, self.catalog),
        )

    @functools.cached_property
    def jobs(self) -> JobQueue:
        """RQ over Redis when ``redis_url`` is set, else the in-process queue."""
        from workflows import jobs, notifications, timers  # they import this module

        if self.settings.redis_url:
            return RQJobQueue(Redis.from_url(self.settings.redis_url), jobs.__name__)
        return InlineJobQueue(
            handlers={
                "fire_timers": lambda instance_id: timers.fire(self, instance_id),
                "deliver_notification": lambda nid, channel: notifications.deliver(
                    self, nid, channel
                ),
            },
            poll=lambda: timers.fire_all_due(self),
            interval=1.0,
        )

    def start_embedded_worker(self) -> None:
        """Run timers and jobs in this process (the embedded default, no Redis)."""
        if isinstance(self.jobs, InlineJobQueue):
            self.jobs.start()

    def uow(self) -> CaseUnitOfWork:
        return CaseUnitOfWork(self.session_factory)

    def reload_org(self) -> None:
        """Re-read the org tree from the database into the shared directory."""
        with self.uow() as uow:
            units = [
                Unit(
                    key=u.key,
                    kind=u.kind,
                    level=u.level,
                    name_zh=u.name_zh,
                    name_en=u.name_en,
                    parent_key=u.parent_key,
                    path=u.path,
                    lat=u.lat,
                    lon=u.lon,
                    categories=tuple(u.categories or ()),
                )
                for u in uow.units.all()
            ]
        self.directory.replace(units)

    def close(self) -> None:
        if isinstance(self.__dict__.get("jobs"), InlineJobQueue):
            self.jobs.stop()
        self.db.dispose()


def make_registry(catalog: Catalog) -> SpecRegistry:
    """The spec registry with this deployment's lanes; needs no database."""
    return SpecRegistry(catalog.lanes, REQUIRED_TASK_PROPERTIES)


def build_context(settings: Settings | None = None) -> GridcaseContext:
    """Build the context and load the org tree if the schema exists."""
    settings = settings or Settings.from_env()
    if settings.database_url.startswith("sqlite:///") and ":memory:" not in settings.database_url:
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    ctx = GridcaseContext(settings)
    if inspect(ctx.db).has_table("org_units"):
        ctx.reload_org()
    return ctx
