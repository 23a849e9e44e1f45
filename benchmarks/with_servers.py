"""Run a gridcase benchmark against throw-away PostgreSQL and Redis servers started from local
binaries (the same helpers the tests use).

    .venv/bin/python benchmarks/with_servers.py loop --cases 500 --threads 8
    .venv/bin/python benchmarks/with_servers.py timers --pending 100000 --burst 10000

Everything after the script name is passed to ``gridcase bench``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

# The checkout instead of this folder, whose http.py would hide the standard library's.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import start_postgres, start_redis


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="gridcase-bench-"))
    postgres = start_postgres(base)
    redis = start_redis(base)
    try:
        env = {**os.environ, "GRIDCASE_DATABASE_URL": postgres.url, "GRIDCASE_REDIS_URL": redis.url}
        gridcase = Path(sys.executable).parent / "gridcase"
        return subprocess.call([str(gridcase), "bench", *sys.argv[1:]], env=env)
    finally:
        redis.stop()
        postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
