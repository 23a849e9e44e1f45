"""The cost of one timer firing without RQ: clone due instances on a throw-away PostgreSQL
and fire them one after another in this process.

    .venv/bin/python benchmarks/fire_in_process.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The checkout instead of this folder, whose http.py would hide the standard library's.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timers import _template, clone
from tests.app_fixtures import make_context
from tests.servers import start_postgres
from workflows.services import timers


def main(count: int) -> None:
    server = start_postgres(Path(tempfile.mkdtemp(prefix="gridcase-fire-")))
    try:
        ctx = make_context(server.url)
        due = datetime.now(UTC) - timedelta(seconds=1)
        ids = clone(ctx, _template(ctx), [due] * count)
        started = time.perf_counter()
        fired = sum(timers.fire(ctx, instance_id) for instance_id in ids)
        seconds = time.perf_counter() - started
        print(f"{fired} firings in one process: {seconds / count * 1000:.1f} ms each")
        ctx.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
