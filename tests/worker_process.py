"""Start real ``gridcase worker`` processes (RQ + scheduler + sweep) for timer tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class WorkerProcess:
    """A worker subprocess; ``module`` lets a test run a wrapped worker (fault injection)."""

    def __init__(
        self,
        db_url: str,
        redis_url: str,
        log: Path,
        module: str | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        env = {
            **os.environ,
            "GRIDCASE_DATABASE_URL": db_url,
            "GRIDCASE_REDIS_URL": redis_url,
            "GRIDCASE_SWEEP_INTERVAL": "0.5",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
        command = (
            [sys.executable, "-m", module]
            if module
            else [str(Path(sys.executable).parent / "gridcase"), "worker"]
        )
        self.log = log
        self.redis_url = redis_url
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until this worker has registered with Redis (imports done, context built):
        on a loaded machine starting a worker takes seconds, and a timer test must not
        count them against its deadlines."""
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(self.redis_url)

        def registered() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited: {self.log.read_text()[-2000:]}")
            return any(w.pid == self.process.pid for w in Worker.all(connection=connection))

        wait_for(registered, timeout, "the worker to start")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no graceful shutdown."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log_file.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_file.close()


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    """Poll ``check`` until it returns something truthy; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
