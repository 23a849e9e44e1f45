"""What supervisors look at beyond cases: background jobs that failed."""

from __future__ import annotations

from engine.job_queue import FailedJob
from workflows.auth import Actor
from workflows.context import GridcaseContext
from workflows.errors import ForbiddenError

OVERSEERS = frozenset({"supervisor", "district_command", "admin"})


def failed_jobs(ctx: GridcaseContext, actor: Actor) -> list[FailedJob]:
    """Raises: ForbiddenError for anyone but supervisors, the command centre and admins."""
    if not actor.roles & OVERSEERS:
        raise ForbiddenError("only supervisors see failed jobs")
    return ctx.jobs.failed()
