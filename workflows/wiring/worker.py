"""The production worker process: an RQ worker, the RQ scheduler and the timer sweep.

Everything runs in one process: RQ's own scheduler would be forked off and inherit the
database sockets, so a killed worker would leave its transaction (and row locks) open in
the orphaned child. Here the scheduler and the sweep are threads, jobs run in the main
thread (``SimpleWorker``), and killing the process ends all of it.

The sweep makes timers durable: every ``sweep_interval`` seconds it reads the wake-up rows
overdue by more than a grace period and enqueues their firing, so a flushed Redis or a
worker killed mid-job delays a timer but never loses it.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from redis import Redis
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler

from engine.job_queue import QUEUE_NAME
from workflows.services import deadlines, indicators, notifications, timers
from workflows.services.context import GridcaseContext
from workflows.wiring import jobs

log = logging.getLogger(__name__)
SWEEP_GRACE = timedelta(seconds=2)
# How often the scheduler moves due jobs to the queue. RQ keeps scheduled times to the
# second; ticking five times a second starts a second's drain within 0.2 s of it (the drain
# then waits for each wake-up of its second) instead of up to a second late.
SCHEDULER_TICK = 0.2


class _ThreadScheduler(RQScheduler):
    """RQ's scheduler, driven from a thread (signal handlers belong to the main thread)."""

    def _install_signal_handlers(self) -> None:
        return None


def _schedule_forever(connection: Redis, stop: threading.Event) -> None:
    scheduler = _ThreadScheduler([QUEUE_NAME], connection=connection)
    while not stop.is_set():
        try:
            if scheduler.should_reacquire_locks:
                scheduler.acquire_locks()
            if scheduler.acquired_locks:
                scheduler.heartbeat()
                scheduler.enqueue_scheduled_jobs()
        except Exception:  # Redis hiccups must not stop the scheduler thread
            log.exception("scheduler pass failed")
        stop.wait(SCHEDULER_TICK)  # not the scheduler's own (whole) seconds: see above


def _sweep_forever(ctx: GridcaseContext, stop: threading.Event) -> None:
    while not stop.wait(ctx.settings.sweep_interval):
        try:
            found = timers.sweep(ctx, SWEEP_GRACE)
            if found:
                log.info("sweep enqueued %d overdue timer(s)", found)
            resent = notifications.resend_pending(ctx, notifications.OUTBOX_GRACE)
            if resent:
                log.info("sweep re-sent %d notice deliveries", resent)
            indicators.settle_rollup(ctx)
            deadlines.lapse_moved_on(ctx)
        except Exception:  # keep sweeping through database or Redis hiccups
            log.exception("timer sweep failed")


def run_worker(ctx: GridcaseContext, *, burst: bool = False) -> None:
    """Work the gridcase queue until stopped (or until it is empty, with ``burst``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)
    jobs.use_context(ctx)
    connection = Redis.from_url(ctx.settings.redis_url or "")
    stop = threading.Event()
    for target, args in ((_schedule_forever, (connection, stop)), (_sweep_forever, (ctx, stop))):
        threading.Thread(target=target, args=args, daemon=True).start()
    try:
        worker = SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
        worker.work(with_scheduler=False, burst=burst)
    finally:
        stop.set()
