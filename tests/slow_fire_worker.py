"""A worker whose timer firing stalls inside its transaction, to be killed mid-job.

Test-only fault injection: it wraps :func:`engine.instance_timers.fire_due` so that, once a timer
has fired in memory and before the commit, the process writes a mark file and sleeps.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from engine import timers as instance_timers
from web.cli import main

_original = instance_timers.fire_due


def _stalling_fire_due(*args, **kwargs):
    transition = _original(*args, **kwargs)
    if transition is not None:
        Path(os.environ["GRIDCASE_TEST_MARK"]).write_text("firing")
        time.sleep(60)
    return transition


instance_timers.fire_due = _stalling_fire_due

if __name__ == "__main__":
    main(["worker"])
