"""Timer use cases: fire an instance's due timers, find what is due (the sweep)."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from engine import timers as instance_timers
from engine.errors import WorkflowStepError
from workflows.services.case_progress import settle
from workflows.services.caseless import settle_caseless
from workflows.services.context import GridcaseContext

log = logging.getLogger(__name__)
EARLY_WAIT_LIMIT = 5.0  # seconds; a later wake-up is rescheduled by the commit that moved it


def fire(ctx: GridcaseContext, instance_id: int) -> bool:
    """Fire whatever is due on one instance. Safe to call any number of times.

    Returns whether anything fired. A job that runs a moment early (RQ schedules to the
    second) waits for the due time rather than leaving the firing to the sweep.

    Raises:
        ConflictError: someone changed the case at the same moment (RQ retries the job).
    """
    fired = _fire_once(ctx, instance_id)
    if fired is None:
        return False
    if isinstance(fired, float):
        time.sleep(fired)
        return _fire_once(ctx, instance_id) is True
    return True


def _fire_once(ctx: GridcaseContext, instance_id: int) -> bool | float | None:
    """True when fired; seconds to wait when due very soon; None when nothing is due.

    A script or condition failing on the timer's path is recorded on the instance (the
    console lists it, a supervisor retries it) instead of failing the job over and over.
    """
    try:
        return _fire_or_wait(ctx, instance_id)
    except WorkflowStepError as err:
        log.warning("instance %s: %s", instance_id, err)
        with ctx.uow() as uow:
            instance_timers.mark_error(uow, instance_id, err)
            uow.commit()
        return None


def _fire_or_wait(ctx: GridcaseContext, instance_id: int) -> bool | float | None:
    with ctx.uow() as uow:
        now = uow.now()
        transition = instance_timers.fire_due(uow, ctx.runtime, instance_id, now)
        if transition is None:
            wakeup = uow.wakeups.get(instance_id)
            early = (wakeup.due_at - now).total_seconds() if wakeup else 0.0
            return early if 0 < early <= EARLY_WAIT_LIMIT else None
        case = uow.cases.find_by_instance(instance_id)
        if case is None:
            settle_caseless(ctx, uow, transition)
        else:
            settle(ctx, uow, case, transition)
        uow.commit()
    return True


def due(ctx: GridcaseContext, grace: timedelta = timedelta(0)) -> list[tuple[int, datetime]]:
    """Instances due for more than ``grace`` with their due time, oldest first."""
    with ctx.uow() as uow:
        return list(uow.wakeups.due_with_times(uow.now() - grace))


def fire_all_due(ctx: GridcaseContext) -> int:
    """The embedded mode's poll: fire every due instance in this thread."""
    return sum(fire(ctx, instance_id) for instance_id, _ in due(ctx))


def sweep(ctx: GridcaseContext, grace: timedelta) -> int:
    """Production sweep: enqueue a firing for every instance due longer than ``grace``
    (its scheduled RQ job should have fired it; Redis may have lost it).

    While jobs are queued the workers are still draining, and the due rows are most likely
    queued already: the sweep waits for the backlog to clear instead of doubling it. A firing
    lost with a killed worker is then picked up once the queue is empty.
    """
    if ctx.jobs.backlog():
        return 0
    found = due(ctx, grace)
    for instance_id, due_at in found:
        ctx.jobs.fire_now(instance_id, due_at)
    return len(found)
