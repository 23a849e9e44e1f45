"""The canonical case status (DOMAIN §2), derived from where the process stands.

Designers declare a ``status`` property on each user task and end event; this module only
adds what the diagram cannot say: a claimed verification means someone is on site
(``checking``), and a review waiting above the receiving level means ``coordinating``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

STATUSES = (
    "reported",
    "verifying",
    "registered",
    "dispatched",
    "in_progress",
    "coordinating",
    "resolved",
    "checking",
    "closed",
    "evaluated",
    "rejected",
    "merged",
)
# The one definition of "closed": the case needs nobody any more (Open311 ``closed``).
CLOSED_STATUSES = frozenset({"closed", "evaluated", "rejected", "merged"})
OPEN311_STATUS = {s: ("closed" if s in CLOSED_STATUSES else "open") for s in STATUSES}


def is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES


class WaitingTask(Protocol):
    element_id: str
    assignee: str | None
    properties: Mapping[str, Any]


def derive_status(
    ready: Sequence[WaitingTask],
    end_properties: Mapping[str, str] | None,
    data: Mapping[str, Any],
    waiting: Sequence[str] = (),
) -> str:
    """Status of a case from its waiting tasks, or from the end event it reached; with no
    task waiting for people, from the events it waits on (a message from a joint conference,
    the 30-day timer before a follow-up visit) that declare one."""
    if end_properties is not None:
        return end_properties.get("status", "closed")
    declared = [t for t in ready if t.properties.get("status") in STATUSES]
    if not declared:
        known = [s for s in waiting if s in STATUSES]
        return min(known, key=STATUSES.index) if known else "in_progress"
    # With parallel branches, the case is as far as its least advanced branch.
    task = min(declared, key=lambda t: STATUSES.index(t.properties["status"]))
    status = task.properties["status"]
    if status == "resolved" and task.assignee:
        return "checking"
    if status == "reported" and data.get("escalation_count", 0) > 0:
        return "coordinating"
    return status
