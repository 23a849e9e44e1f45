"""Where background work runs: RQ over Redis in production, a thread in the embedded mode.

Both take the same calls, made only after the transaction that caused them has committed:
``wake_at`` (an instance's next timer) and ``enqueue`` (a job by name). The
database stays the truth for timers: :meth:`sweep` finds due wake-ups even if Redis lost
every scheduled job.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from engine.db import utcnow

log = logging.getLogger(__name__)
QUEUE_NAME = "gridcase"
RETRY = Retry(max=3, interval=[1, 5, 30])
# Job results are never read (the database holds every outcome); failures are kept.


class JobQueue(Protocol):
    def wake_at(self, instance_id: int, due: datetime) -> None: ...

    def drain_now(self) -> None: ...

    def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None: ...

    def enqueue_once(self, name: str, *args: Any, job_id: str) -> bool: ...

    def failed(self, limit: int = 100) -> list[FailedJob]: ...

    def backlog(self) -> int: ...

    def retry(self, job_id: str) -> bool: ...


@dataclass(frozen=True)
class FailedJob:
    """A background job that ran out of retries."""

    id: str
    function: str
    args: str
    error: str
    failed_at: datetime | None


def drain_job_id(second: int) -> str:
    """One scheduled drain per second: every wake-up due in that second shares it."""
    return f"gridcase-drain-{second}"


class RQJobQueue:
    """Schedules with ``enqueue_at``; job names resolve to functions of ``module``, which
    workers import. ``drain_timers()`` must be one of them."""

    def __init__(self, redis: Redis, module: str, queue_name: str = QUEUE_NAME):
        self.redis = redis
        self.queue = Queue(queue_name, connection=redis)
        self.module = module
        self.drain = f"{module}.drain_timers"

    def wake_at(self, instance_id: int, due: datetime) -> None:
        """Drain what is due at that second: one job for every instance due then (a burst
        of 10,000 wake-ups due together is one job firing batches, not 10,000 jobs). RQ
        schedules to the second, so the job may start a moment early: it waits (see
        ``timers.drain``): it is told the end of its second."""
        second = int(due.timestamp())
        self.queue.enqueue_at(
            datetime.fromtimestamp(second, UTC),
            self.drain,
            second + 1,
            job_id=drain_job_id(second),
            retry=RETRY,
            result_ttl=0,
        )

    def drain_now(self) -> None:
        """Queue a drain unless one is waiting to run (the sweep's call when Redis lost the
        scheduled ones); a drain that has started may have died with its worker."""
        job_id = "gridcase-drain-sweep"
        try:
            status = Job.fetch(job_id, connection=self.redis).get_status()
        except NoSuchJobError:
            status = None
        if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            return
        self.queue.enqueue(self.drain, job_id=job_id, retry=RETRY, result_ttl=0)

    def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        self.queue.enqueue(f"{self.module}.{name}", *args, job_id=job_id, retry=RETRY, result_ttl=0)

    def enqueue_once(self, name: str, *args: Any, job_id: str) -> bool:
        """Enqueue unless a job of that id is known in any state (waiting, running, failed:
        a failed one waits for an administrator's retry); True when queued. A short lock
        keeps two workers' sweeps from queueing the same job at the same moment."""
        if not self.redis.set(f"{job_id}:queued-once", 1, nx=True, ex=60):
            return False
        if self.queue.fetch_job(job_id) is not None:
            return False
        self.enqueue(name, *args, job_id=job_id)
        return True

    def backlog(self) -> int:
        """Jobs waiting in the queue."""
        return self.queue.count

    def retry(self, job_id: str) -> bool:
        """Requeue a job from the failed registry; False when it is not there."""
        registry = self.queue.failed_job_registry
        if job_id not in registry.get_job_ids():
            return False
        registry.requeue(job_id)
        return True

    def failed(self, limit: int = 100) -> list[FailedJob]:
        """Jobs in RQ's failed registry, newest first."""
        registry = self.queue.failed_job_registry
        ids = registry.get_job_ids(0, limit - 1, desc=True)
        found = []
        for job in Job.fetch_many(ids, connection=self.redis):
            if job is None:
                continue
            error = (job.latest_result().exc_string if job.latest_result() else "") or ""
            found.append(
                FailedJob(
                    job.id,
                    job.func_name,
                    repr(job.args),
                    error.strip().splitlines()[-1:][0] if error else "",
                    job.ended_at,
                )
            )
        return found


class InlineJobQueue:
    """The embedded default: jobs run on a small thread pool, timers by polling the database.

    ``handlers`` map job names to callables (``drain_timers`` among them); ``poll`` is called
    every ``interval`` seconds by :meth:`start` (the sweep); ``wake_at`` has nothing to do
    because the poll reads the wake-up rows directly.
    """

    def __init__(
        self,
        handlers: dict[str, Callable[..., Any]],
        poll: Callable[[], Any],
        interval: float = 1.0,
    ):
        self.handlers = handlers
        self.poll = poll
        self.interval = interval
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gridcase-job")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures: deque[FailedJob] = deque(maxlen=100)
        self._retryable: dict[str, tuple[Callable[..., Any], ...]] = {}
        self._pending = 0
        self._known: set[str] = set()  # ids of jobs queued, running or failed

    def wake_at(self, instance_id: int, due: datetime) -> None:
        return None

    def drain_now(self) -> None:
        self.enqueue("drain_timers")

    def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        self._pending += 1
        if job_id:
            self._known.add(job_id)
        self._pool.submit(self._run_job, job_id, self.handlers[name], *args)

    def enqueue_once(self, name: str, *args: Any, job_id: str) -> bool:
        """Enqueue unless a job of that id is queued, running or failed in this process."""
        if job_id in self._known:
            return False
        self.enqueue(name, *args, job_id=job_id)
        return True

    def backlog(self) -> int:
        return self._pending

    def failed(self, limit: int = 100) -> list[FailedJob]:
        """The last failures of this process's jobs, newest first."""
        return list(reversed(self._failures))[:limit]

    def retry(self, job_id: str) -> bool:
        """Run a failed job again; False when it is not among the last failures."""
        job = self._retryable.pop(job_id, None)
        if job is None:
            return False
        self._failures = deque((f for f in self._failures if f.id != job_id), maxlen=100)
        self._pending += 1
        self._pool.submit(self._run_job, None, *job)
        return True

    def start(self) -> None:
        """Start the polling thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="gridcase-timers", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._run(self.poll)

    def _run_job(self, job_id: str | None, func: Callable[..., Any], *args: Any) -> None:
        try:
            if self._run(func, *args) and job_id:
                self._known.discard(job_id)
        finally:
            self._pending -= 1

    def _run(self, func: Callable[..., Any], *args: Any) -> bool:
        try:
            func(*args)
            return True
        except Exception as err:  # the in-process worker must outlive a failing job
            name = getattr(func, "__name__", repr(func))
            log.exception("background job %s failed", name)
            failure = FailedJob(f"inline-{id(err)}", name, repr(args), repr(err), utcnow())
            self._failures.append(failure)
            self._retryable[failure.id] = (func, *args)
            kept = {f.id for f in self._failures}
            self._retryable = {k: job for k, job in self._retryable.items() if k in kept}
            return False
