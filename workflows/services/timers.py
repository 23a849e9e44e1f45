"""Timer use cases: fire an instance's due timers, find what is due (the sweep)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm.exc import StaleDataError

from engine import instances
from engine import timers as instance_timers
from engine.errors import ConflictError, WorkflowStepError
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
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


BATCH = 200


@dataclass(frozen=True)
class Batch:
    claimed: int
    fired: int


def fire_batch(ctx: GridcaseContext, limit: int = BATCH) -> Batch:
    """Fire up to ``limit`` due instances in one transaction: how many it took, how many
    fired. Nothing is lost if the process dies: the wake-up rows stay due until the commit.

    The batch is first fired together: what the firings read is read for all of them at
    once, and what they write goes in one flush. Should one of them fail, that attempt is
    rolled back and the batch fired again, each instance in a savepoint of its own (see
    :func:`_fire_each`).
    """
    return _fire_together(ctx, limit) or _fire_each(ctx, limit)


def _fire_together(ctx: GridcaseContext, limit: int) -> Batch | None:
    """The batch with bulk reads and one flush; None (nothing kept) when one failed."""
    with ctx.uow() as uow:
        now = uow.now()
        claimed = uow.wakeups.claim_due(now, limit)
        if not claimed:
            return Batch(0, 0)
        _held = instances.read_ahead(uow, claimed)  # kept while firing
        by_instance = uow.cases.by_instances(claimed)
        try:
            fired = sum(_fire_in(ctx, uow, i, now, by_instance.get(i)) for i in claimed)
            uow.commit()
        except (WorkflowStepError, ConflictError, StaleDataError):
            return None
        return Batch(len(claimed), fired)


def _fire_each(ctx: GridcaseContext, limit: int) -> Batch:
    """The batch, each instance inside a savepoint: one whose script fails is recorded
    (the console lists it, a supervisor retries it) and one changed at the same moment by
    someone else is left for the next batch, while the rest of the batch commits."""
    with ctx.uow() as uow:
        now = uow.now()
        fired = 0
        claimed = uow.wakeups.claim_due(now, limit)
        for instance_id in claimed:
            try:
                with uow.session.begin_nested():
                    case = uow.cases.find_by_instance(instance_id)
                    fired += _fire_in(ctx, uow, instance_id, now, case)
            except WorkflowStepError as err:
                log.warning("instance %s: %s", instance_id, err)
                with uow.session.begin_nested():
                    instance_timers.mark_error(uow, instance_id, err)
            except (ConflictError, StaleDataError):
                log.info("instance %s changed while firing; left for the next batch", instance_id)
        uow.commit()
        return Batch(len(claimed), fired)


def _fire_in(
    ctx: GridcaseContext, uow: CaseUnitOfWork, instance_id: int, now: datetime, case: Case | None
) -> int:
    """Fire one instance; ``case``: its case (None for a process that drives none)."""
    transition = instance_timers.fire_due(uow, ctx.runtime, instance_id, now)
    if transition is None:
        return 0
    if case is None:
        settle_caseless(ctx, uow, transition)
    else:
        settle(ctx, uow, case, transition)
    return 1


def drain(ctx: GridcaseContext, limit: int = BATCH, until: datetime | None = None) -> int:
    """Fire everything due, a batch (one transaction) at a time: the job a wake-up or the
    sweep queues. Returns how many fired. ``until``: the end of the second a wake-up job
    stands for — RQ schedules to the second, so the job waits for what falls due in its
    second instead of leaving it to the next one."""
    total = 0
    while True:
        batch = fire_batch(ctx, limit)
        total += batch.fired
        if batch.claimed == limit and batch.fired > 0:
            continue  # more is due: the next batch
        if until is None:
            return total
        with ctx.uow() as uow:
            now = uow.now()
            soonest = uow.wakeups.next_due(after=now)  # what is due already another drain holds
        waiting = soonest is not None and soonest <= until
        if not waiting or soonest - now > timedelta(seconds=EARLY_WAIT_LIMIT):
            return total  # nothing more in this second (what is stuck is the sweep's)
        time.sleep(max(0.0, (soonest - now).total_seconds()))


def due(ctx: GridcaseContext, grace: timedelta = timedelta(0)) -> list[tuple[int, datetime]]:
    """Instances due for more than ``grace`` with their due time, oldest first."""
    with ctx.uow() as uow:
        return list(uow.wakeups.due_with_times(uow.now() - grace))


def fire_all_due(ctx: GridcaseContext) -> int:
    """The embedded mode's poll: fire every due instance in this thread."""
    return drain(ctx)


def sweep(ctx: GridcaseContext, grace: timedelta) -> int:
    """Production sweep: queue a drain when some instance is due longer than ``grace`` (its
    scheduled drain should have fired it; Redis may have lost it).

    While jobs are queued the workers are still draining, and the due rows are most likely
    queued already: the sweep waits for the backlog to clear instead of doubling it. A firing
    lost with a killed worker is then picked up once the queue is empty.
    """
    if ctx.jobs.backlog():
        return 0
    found = due(ctx, grace)
    if found:
        ctx.jobs.drain_now()
    return len(found)
