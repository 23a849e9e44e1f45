"""RQ's own cost per job on this machine: a SimpleWorker draining no-op jobs.

    .venv/bin/python benchmarks/rq_noop.py

It bounds what a one-job-per-timer design can drain, whatever the firing costs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

# The checkout instead of this folder, whose http.py would hide the standard library's.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis import Redis
from rq import Queue, SimpleWorker

from tests.servers import start_redis

JOBS = 2000


def main() -> None:
    server = start_redis(Path(tempfile.mkdtemp(prefix="gridcase-rq-")))
    try:
        connection = Redis.from_url(server.url)
        queue = Queue("noop", connection=connection)
        for _ in range(JOBS):
            queue.enqueue("os.getpid", result_ttl=0)
        started = time.perf_counter()
        SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
        seconds = time.perf_counter() - started
        print(f"{JOBS / seconds:.0f} no-op jobs/s per worker ({seconds / JOBS * 1000:.2f} ms each)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
