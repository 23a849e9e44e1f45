"""The moments the indicators count, written onto the case as its process passes them.

A step whose ``milestone`` property says what it means (see ``bpmn_contract.MILESTONES``)
stamps the case when it opens or completes; a department that returns a case, has its work
sent back for rework, receives a case or is pressed by a supervisor gets a mark for the
department assessment. Pure functions over plain values: ``services.case_progress`` applies
them in the step's transaction, so the indicators are never behind the cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

RECEIVED, HANDLED, VERIFIED, EVALUATED, SUPERVISED = (
    "received",
    "handled",
    "verified",
    "evaluated",
    "supervised",
)
# The department assessment's marks these moments record (besides the catalog's events).
RECEIVED_MARK, RETURNED_MARK, REWORKED_MARK, SUPERVISED_MARK = (
    "received",
    "returned",
    "reworked",
    "supervised",
)


class Step(Protocol):
    properties: Mapping[str, Any]
    state: str
    unit_key: str | None
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None


class CaseMilestones(Protocol):
    department_key: str | None
    return_count: int
    rework_count: int
    registered_at: datetime | None
    dispatched_at: datetime | None
    handled_at: datetime | None
    verified_at: datetime | None
    verified_by: str | None
    verified_on_time: bool
    evaluated_at: datetime | None
    supervised: bool


@dataclass(frozen=True)
class Before:
    """What the case said before the step (to tell what the step changed)."""

    department_key: str | None
    return_count: int
    rework_count: int


@dataclass(frozen=True)
class Mark:
    department_key: str
    kind: str


def milestone(step: Step) -> str | None:
    return (step.properties or {}).get("milestone")


def stamp(
    case: CaseMilestones,
    before: Before,
    opened: Iterable[Step],
    closed: Iterable[Step],
    now: datetime,
    is_department: Callable[[str], bool],
) -> list[Mark]:
    """Stamp the case with the milestones this step passed; the department marks it earns.

    ``is_department(unit_key)`` tells departments from territorial units.
    """
    marks: list[Mark] = []
    for step in opened:
        kind = milestone(step)
        if kind in (RECEIVED, HANDLED) and case.registered_at is None:
            case.registered_at = now
        if kind == RECEIVED and step.unit_key and is_department(step.unit_key):
            case.dispatched_at = case.dispatched_at or now
            marks.append(Mark(step.unit_key, RECEIVED_MARK))
        if kind == SUPERVISED:
            case.supervised = True
            if case.department_key:
                marks.append(Mark(case.department_key, SUPERVISED_MARK))
    for step in closed:
        if step.state != "completed":
            continue
        kind, done = milestone(step), step.completed_at or now
        on_time = step.due_at is None or done <= step.due_at
        if kind == HANDLED:
            case.handled_at = done
        elif kind == VERIFIED:
            case.verified_at, case.verified_by, case.verified_on_time = (
                done,
                step.completed_by,
                on_time,
            )
        elif kind == EVALUATED:
            case.evaluated_at = done
    if case.return_count > before.return_count and before.department_key:
        marks.append(Mark(before.department_key, RETURNED_MARK))
    if case.rework_count > before.rework_count and case.department_key:
        marks.append(Mark(case.department_key, REWORKED_MARK))
    return marks
