"""The closed loop in people's words: 上报 → 受理 → 派遣 → 处置 → 核查 → 结案 → 评价, with who
did each step and when, and where the case stands now.

Derived from the process, not written per process: each user task declares the case
status it stands for (DOMAIN §2), so a finished task with status ``registered`` (waiting
for dispatch) means the dispatch is done, a waiting one that the case is at the dispatch.
A process whose tasks declare no review (``reported``) is not a closed loop and gets no
tracker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

STEPS = ("report", "accept", "dispatch", "handle", "verify", "close", "evaluate")
# The step a task stands for, by the status it declares.
STEP_OF_STATUS = {
    "reported": "accept",
    "registered": "dispatch",
    "dispatched": "handle",  # the department signs for it, then handles it
    "in_progress": "handle",
    "resolved": "verify",
    "closed": "evaluate",
}


class TrackedTask(Protocol):
    state: str
    properties: Mapping[str, Any]
    completed_at: datetime | None
    completed_by: str | None


@dataclass(frozen=True)
class TrackStep:
    key: str
    state: str  # done, current, skipped, todo
    at: datetime | None = None
    by: str | None = None


# Statuses that end a report without going round the loop (不予受理, 并单).
OFF_THE_LOOP = frozenset({"rejected", "merged"})


def track(
    reported_at: datetime,
    reporter: str,
    closed_at: datetime | None,
    tasks: Sequence[TrackedTask],
    status: str = "",
    handled_elsewhere: datetime | None = None,
) -> list[TrackStep] | None:
    """The seven steps of a case's closed loop; None when its process is not one, or the
    report left it (rejected, merged into another case: the status says so).
    ``handled_elsewhere``: when a linked case that handled it ended (a whistle's call-in)."""
    if status in OFF_THE_LOOP:
        return None
    stepped = [(STEP_OF_STATUS.get(t.properties.get("status", "")), t) for t in tasks]
    if not any(step == "accept" for step, _ in stepped):
        return None
    done: dict[str, tuple[datetime | None, str | None]] = {"report": (reported_at, reporter)}
    current = None
    for step, task in stepped:
        if step is None:
            continue
        if (task.state == "completed" and step != "handle") or _handled(task):
            done[step] = (task.completed_at, task.completed_by)
        elif task.state == "ready":
            current = min(current or step, step, key=STEPS.index)
    if handled_elsewhere is not None and "handle" not in done:
        done["handle"] = (handled_elsewhere, None)
    if closed_at is not None and current in (None, "evaluate"):
        verifier = done.get("verify", (None, None))[1]
        done["close"] = (closed_at, verifier)
    elif current is None and closed_at is None:
        current = next((s for s in STEPS if s not in done), None)
    return _states(done, current)


def _handled(task: TrackedTask) -> bool:
    """Signing for a case is not handling it: only the handling step's completion counts."""
    return task.state == "completed" and task.properties.get("milestone") == "handled"


def _states(
    done: Mapping[str, tuple[datetime | None, str | None]], current: str | None
) -> list[TrackStep]:
    last_done = max((STEPS.index(s) for s in done), default=0)
    if current is not None:
        last_done = max(last_done, STEPS.index(current))  # what it passed by is not needed
    if current is None and "close" in done:
        last_done = len(STEPS)  # closed: what was not done will not be (a rejected report)
    steps = []
    for index, key in enumerate(STEPS):
        again = current is not None and index >= STEPS.index(current)  # a rework goes back
        if key == current:
            steps.append(TrackStep(key, "current"))
        elif key in done and not again:
            at, by = done[key]
            steps.append(TrackStep(key, "done", at, by))
        elif index < last_done and not again:
            steps.append(TrackStep(key, "skipped"))  # e.g. handled on the spot: no dispatch
        else:
            steps.append(TrackStep(key, "todo"))
    return steps
