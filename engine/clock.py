"""Where "now" comes from: one clock handed to the engine, the timers and the use cases.

Production uses :class:`SystemClock`. Tests use :class:`ShiftedClock` and move time forward
instead of sleeping: a deadline an hour away is passed by ``clock.advance(hours=2)``, so a
test never races the wall clock on a busy machine. The shifted clock still ticks, so rows
written one after another keep their order.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The machine's clock plus an offset that only grows (tests move time with it)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, **delta: float) -> datetime:
        """Move time forward by ``timedelta(**delta)``; returns the new now."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += step
        return self.now()

    def advance_to(self, when: datetime) -> datetime:
        """Move time forward to just after ``when`` (no move when it has passed)."""
        gap = when - self.now()
        if gap > timedelta(0):
            self.advance(seconds=gap.total_seconds() + 0.001)
        return self.now()
