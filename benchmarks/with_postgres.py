"""Run a gridcase benchmark against a throw-away PostgreSQL server started from local binaries.

    .venv/bin/python benchmarks/with_postgres.py loop --cases 500 --threads 8

Everything after the script name is passed to ``gridcase bench``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import start_postgres


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="gridcase-bench-"))
    server = start_postgres(base)
    try:
        env = {**os.environ, "GRIDCASE_DATABASE_URL": server.url}
        gridcase = Path(sys.executable).parent / "gridcase"
        return subprocess.call([str(gridcase), "bench", *sys.argv[1:]], env=env)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
