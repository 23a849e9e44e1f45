"""Turn catalog time limits into deadlines.

A limit is one of ``hours``, ``working_hours``, ``working_days``, ``natural_days``. Working
time here skips weekends only; the holiday calendar arrives with the timers issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

WORKDAY_HOURS = 8


def add_limit(start: datetime, limit: Mapping[str, int | float]) -> datetime:
    """Return ``start`` plus a catalog time limit."""
    kind, amount = next(iter(limit.items()))
    if kind == "hours":
        return start + timedelta(hours=amount)
    if kind == "natural_days":
        return start + timedelta(days=amount)
    if kind == "working_hours":
        days, hours = divmod(amount, WORKDAY_HOURS)
        return _add_working_days(start, int(days)) + timedelta(hours=hours)
    if kind == "working_days":
        return _add_working_days(start, int(amount))
    raise ValueError(f"unknown time limit kind {kind!r}")


def _add_working_days(start: datetime, days: int) -> datetime:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
