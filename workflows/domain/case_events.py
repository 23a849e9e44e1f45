"""What a step of the process means for its case, read from the catalog: which process
variables land on the case row, how an event raises the alert level, who is told.

Pure functions over plain values; ``services.case_progress`` applies them in a transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from workflows.domain.catalog import CaseVariable, EventRule, Tell
from workflows.domain.org import OrgDirectory

ALERT_ORDER = ("normal", "yellow", "red")
CASE_UNIT_FIELDS = {
    "department": "department_key",
    "review_unit": "review_unit_key",
    "grid": "grid_key",
}


@dataclass(frozen=True)
class Recipient:
    """A notice goes to every holder of ``role`` in ``unit_key``, or to one ``username``."""

    role: str | None
    unit_key: str | None
    username: str | None = None


class CaseRow(Protocol):
    department_key: str | None
    review_unit_key: str
    grid_key: str


def raised_alert(current: str, rule: EventRule) -> str:
    """The case's alert level after the event: it only goes up (normal → yellow → red)."""
    if rule.alert and ALERT_ORDER.index(rule.alert) > ALERT_ORDER.index(current):
        return rule.alert
    return current


@dataclass(frozen=True)
class EventScene:
    """Where an event happened: the case, the variables of the node that raised it
    (``var.``) and those of the step the case went on to (``step.``)."""

    case: CaseRow
    event_data: Mapping[str, Any]
    step_data: Mapping[str, Any]


def recipients(
    rule: EventRule, holders: Sequence[Recipient], scene: EventScene, directory: OrgDirectory
) -> list[Recipient]:
    """Everyone the event's ``tell`` names; duplicates removed, order kept."""
    found: list[Recipient] = []
    for tell in rule.tell:
        if tell.role is None:
            found += holders
            continue
        unit = first_unit(tell, scene, directory)
        if unit is not None:
            found.append(Recipient(tell.role, unit))
    return list(dict.fromkeys(found))


def first_unit(tell: Tell, scene: EventScene, directory: OrgDirectory) -> str | None:
    """The first of the tell's unit references that names a known unit."""
    for ref in tell.units:
        key = resolve_unit(ref, scene, directory)
        if key is not None:
            return key
    return None


def resolve_unit(ref: str, scene: EventScene, directory: OrgDirectory) -> str | None:
    """``var.<name>``, ``step.<name>`` or ``case.<field>``, optionally after ``parent.``."""
    if ref.startswith("parent."):
        below = resolve_unit(ref.removeprefix("parent."), scene, directory)
        parent = directory.parent(below) if below else None
        return parent.key if parent else None
    source, _, name = ref.partition(".")
    if source == "var":
        key = scene.event_data.get(name)
    elif source == "step":
        key = scene.step_data.get(name)
    else:
        key = getattr(scene.case, CASE_UNIT_FIELDS[name])
    return key if isinstance(key, str) and key in directory else None


def copy_variables(case: Any, data: Mapping[str, Any], variables: Sequence[CaseVariable]) -> None:
    """Write the catalog's ``case_variables`` from the process data onto the case row."""
    for var in variables:
        value = data.get(var.variable)
        if var.type == "integer":
            setattr(case, var.field, int(value or 0))
        elif var.type == "exact":
            setattr(case, var.field, value or None)
        elif value:
            if var.type == "datetime" and isinstance(value, str):
                value = datetime.fromisoformat(value)
            setattr(case, var.field, value)
