"""What every use case is handed: settings, the catalog and org tree, the workflow runtime,
the job queue, the clock and a unit-of-work factory.

:mod:`workflows.wiring.bootstrap` builds one per process (web app, CLI, worker); use cases
only read it. Nothing here starts a thread or opens a connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine as Database
from sqlalchemy.orm import sessionmaker

from engine.clock import Clock
from engine.instances import Runtime
from engine.job_queue import JobQueue
from engine.spec_registry import SpecRegistry
from workflows.adapters.actor_cache import ActorCache
from workflows.adapters.file_store import FileStore
from workflows.adapters.indicator_rollup import RollupSpec
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.calendar import WorkCalendar
from workflows.domain.catalog import Catalog
from workflows.domain.org import OrgDirectory, Unit
from workflows.domain.permissions import Permissions


@dataclass(frozen=True)
class Settings:
    """Where things are and how the process behaves; ``wiring.settings`` reads them from
    ``GRIDCASE_*`` variables with absolute defaults."""

    database_url: str
    bpmn_dir: Path
    upload_dir: Path
    redis_url: str | None = None
    calendar_path: Path | None = None
    webhook_url: str | None = None
    sweep_interval: float = 5.0
    # No progress for this long puts a case on the supervisors' "stalled" list.
    stalled_after_hours: float = 48.0
    # The map's tile server: a Leaflet URL template ({z}/{x}/{y}, {s} or {s:01234567} for
    # subdomains; several separated by spaces are drawn bottom up); None draws the grid
    # polygons on a plain background. Its attribution (copyright, 审图号) goes beside it.
    map_tiles: str | None = None
    map_attribution: str | None = None


@dataclass
class GridcaseContext:
    """Long-lived objects of one process: create once, share across threads."""

    settings: Settings
    db: Database
    session_factory: sessionmaker
    catalog: Catalog
    calendar: WorkCalendar
    directory: OrgDirectory
    registry: SpecRegistry
    runtime: Runtime
    jobs: JobQueue
    clock: Clock
    permissions: Permissions = field(init=False)
    files: FileStore = field(init=False)
    actors: ActorCache = field(init=False)

    def __post_init__(self) -> None:
        self.permissions = Permissions(self.directory, self.catalog)
        self.files = FileStore(self.settings.upload_dir)
        self.actors = ActorCache(self.clock.now)

    def uow(self) -> CaseUnitOfWork:
        rollup = RollupSpec(self.calendar.timezone, self.catalog.indicators)
        return CaseUnitOfWork(self.session_factory, self.clock, rollup, self.actors)

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
                    boundary=u.boundary,
                )
                for u in uow.units.all()
            ]
        self.directory.replace(units)

    def close(self) -> None:
        """Stop the in-process worker, if any, and close the database pool."""
        stop = getattr(self.jobs, "stop", None)
        if stop is not None:
            stop()
        self.db.dispose()
