"""Timing one action again and again, after one warm-up run (plans, caches, templates)."""

from __future__ import annotations

import time
from collections.abc import Callable


def timings_ms(action: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` runs of ``action``, after one untimed run."""
    action()
    ms = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        ms.append((time.perf_counter() - began) * 1000)
    return ms
