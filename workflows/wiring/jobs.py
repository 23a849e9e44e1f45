"""Module-level job functions for RQ workers. They take ids, build their own context once per
worker process and call the use cases; nothing here holds business rules."""

from __future__ import annotations

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
    return timers.fire(context(), instance_id)


def deliver_notification(notification_id: int, channel: str) -> None:
    notifications.deliver(context(), notification_id, channel)
