"""Module-level job functions for RQ workers. They take ids, build their own context once per
worker process and call the use cases; nothing here holds business rules."""

from __future__ import annotations

from datetime import UTC, datetime

from workflows.services import notifications, timers
from workflows.services.context import GridcaseContext
from workflows.wiring.bootstrap import build_context

_context: GridcaseContext | None = None


def use_context(ctx: GridcaseContext) -> None:
    """Let jobs run against an existing context (the worker command)."""
    global _context
    _context = ctx


def context() -> GridcaseContext:
    global _context
    if _context is None:
        _context = build_context()
    return _context


def fire_timers(instance_id: int) -> bool:
    """One instance's firing: the job releases before the batched drain scheduled (their
    jobs may still wait in Redis when a worker of this release picks them up)."""
    return timers.fire(context(), instance_id)


def drain_timers(until: float | None = None) -> int:
    """Fire what is due (``until``: the end, as a timestamp, of the second a wake-up job
    stands for)."""
    end = datetime.fromtimestamp(until, UTC) if until is not None else None
    return timers.drain(context(), until=end)


def deliver_notification(notification_id: int, channel: str) -> None:
    notifications.deliver(context(), notification_id, channel)
