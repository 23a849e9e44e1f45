"""What supervisors look at: the console lists, where cases wait (heat), failed jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.job_queue import FailedJob
from workflows.adapters import queries
from workflows.adapters.models import Case
from workflows.adapters.queries import ConsoleFilter
from workflows.domain.errors import ForbiddenError, NotFoundError
from workflows.domain.permissions import OVERRIDE, SEE_FAILED_JOBS, Actor
from workflows.services.context import GridcaseContext

CONSOLE_LISTS = ("overdue", "warning", "stalled", "suspended", "errored")
# The cases a list shows on the console, and on each page of that list on its own.
CONSOLE_ROWS = 50


def failed_jobs(ctx: GridcaseContext, actor: Actor) -> list[FailedJob]:
    """Raises: ForbiddenError for anyone but supervisors, the command centre and admins."""
    ctx.permissions.require(actor, SEE_FAILED_JOBS, "only supervisors see failed jobs")
    return ctx.jobs.failed()


@dataclass(frozen=True)
class ConsoleView:
    """The command-centre console: each list of cases with its total, and failed jobs."""

    lists: dict[str, list[Case]]
    totals: dict[str, int]  # exact up to COUNT_CAP
    failed: list[FailedJob]
    next_due: dict[int, datetime]  # by instance id: the earliest deadline of a waiting task
    more: frozenset[str] = frozenset()  # the lists with more cases than their total says
    only: str | None = None  # the one list paged through (None: the first rows of each)
    page: int = 1
    per_page: int = CONSOLE_ROWS

    def has_next(self, kind: str) -> bool:
        return self.page * self.per_page < self.totals[kind]


def reach(ctx: GridcaseContext, actor: Actor) -> tuple[str, ...]:
    """Unit paths whose cases the actor may override; raises ForbiddenError for anyone else."""
    paths = ctx.permissions.reach(actor, OVERRIDE)
    if not paths:
        raise ForbiddenError("only supervisors and the command centre use the console")
    return paths


def _units_under(
    ctx: GridcaseContext, paths: tuple[str, ...], unit: str | None
) -> list[str] | None:
    """The keys of the units under these paths and under ``unit`` (when it is one); None
    when that is every unit."""
    within = ctx.directory.get(unit).path if unit and unit in ctx.directory else ""
    under = [u.key for u in ctx.directory.under(*paths) if u.path.startswith(within)]
    return None if len(under) == len(ctx.directory.all()) else under


def console(
    ctx: GridcaseContext,
    actor: Actor,
    *,
    unit: str | None = None,
    level: str | None = None,
    department: str | None = None,
    category: str | None = None,
    older_than_days: float | None = None,
    only: str | None = None,
    page: int = 1,
) -> ConsoleView:
    """Cases that need a supervisor, within the actor's reach, narrowed by the filters:
    the first ``CONSOLE_ROWS`` of each list, or with ``only`` a page of that list (the
    others are counted, not listed). Pages reach as far as the lists are counted."""
    paths = reach(ctx, actor)
    only = only if only in CONSOLE_LISTS else None
    page = min(max(page, 1), queries.COUNT_CAP // CONSOLE_ROWS) if only else 1
    with ctx.uow() as uow:
        now = uow.now()
        flt = ConsoleFilter(
            units=_units_under(ctx, paths, unit),
            review_units=[u.key for u in ctx.directory.all() if u.level == level]
            if level
            else None,
            department=department,
            category=category,
            older_than=now - timedelta(days=older_than_days) if older_than_days else None,
        )
        stalled_before = now - timedelta(hours=ctx.settings.stalled_after_hours)
        lists: dict[str, list[Case]] = {}
        totals: dict[str, int] = {}
        for kind in CONSOLE_LISTS:
            rows = CONSOLE_ROWS if only in (None, kind) else 0
            offset = (page - 1) * CONSOLE_ROWS
            lists[kind], totals[kind] = uow.console.cases(
                flt, kind, now, stalled_before, rows, offset
            )
        more = frozenset(kind for kind, n in totals.items() if n > queries.COUNT_CAP)
        shown = {c.instance_id for cs in lists.values() for c in cs if c.instance_id}
        next_due = uow.console.next_due(shown)
        uow.session.expunge_all()
    can_see_jobs = ctx.permissions.has(actor, SEE_FAILED_JOBS)
    capped = {kind: min(n, queries.COUNT_CAP) for kind, n in totals.items()}
    failed = ctx.jobs.failed() if can_see_jobs else []
    return ConsoleView(lists, capped, failed, next_due, more, only, page, CONSOLE_ROWS)


@dataclass(frozen=True)
class Heat:
    xml: str
    elements: dict[str, dict[str, Any]]  # element id → count, avg_hours, name


def heat(ctx: GridcaseContext, actor: Actor, process_id: str) -> Heat:
    """Open tasks per element of the latest version of a process, with their average age.

    Raises: ForbiddenError, NotFoundError (no such process).
    """
    paths = reach(ctx, actor)
    with ctx.uow() as uow:
        version = uow.versions.latest(process_id)
        if version is None:
            raise NotFoundError(f"no process {process_id!r}")
        rows = uow.console.heat(process_id, paths, uow.now())
        names = ctx.runtime.parsed(version).element_names
        return Heat(
            version.bpmn_xml,
            {e: {"count": n, "avg_hours": avg, "name": names.get(e, "")} for e, n, avg in rows},
        )


def retry_job(ctx: GridcaseContext, actor: Actor, job_id: str) -> None:
    """Put a failed background job back on the queue.

    Raises: ForbiddenError; NotFoundError when the job is no longer in the failed list.
    """
    ctx.permissions.require(actor, SEE_FAILED_JOBS, "only supervisors retry jobs")
    if not ctx.jobs.retry(job_id):
        raise NotFoundError(f"no failed job {job_id!r}")
