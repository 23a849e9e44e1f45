"""Who reviews a case, which department is suggested, and who a task is for.

:class:`LaneAssigner` is the domain's side of the engine's ``Assigner`` protocol: a lane plus
the process variable named by the task's ``unit`` property become an org role in a unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.assignment import Assignment, ReadyTask
from workflows.domain.catalog import Catalog
from workflows.domain.org import OrgDirectory, Unit


def review_unit_for(directory: OrgDirectory, catalog: Catalog, grid_key: str, channel: str) -> Unit:
    """The local unit that reviews a new case: the grid's ancestor at the channel's review
    level."""
    return directory.ancestor_at(grid_key, catalog.channel(channel).review_level)


@dataclass(frozen=True)
class FirstReview:
    """Who takes a new case first, and — when a centre only registers it — the local unit
    it goes to next."""

    unit: Unit
    forward_to: Unit | None = None


def first_review(
    directory: OrgDirectory, catalog: Catalog, grid_key: str, channel: str, category: str
) -> FirstReview:
    """One door (一门受理): a channel that goes through the centres sends the case to its
    stream's first-level centre; the centre reviews and dispatches it, or registers it for
    the local unit. Other channels (a grid worker's own report) go to the local unit."""
    local = review_unit_for(directory, catalog, grid_key, channel)
    centre = catalog.centre(catalog.category(category).stream)
    if not catalog.channel(channel).via_centre or centre is None or centre.unit not in directory:
        return FirstReview(local)
    if centre.mode == "register":
        return FirstReview(directory.get(centre.unit), local)
    return FirstReview(directory.get(centre.unit))


def suggested_department(
    directory: OrgDirectory, catalog: Catalog, category: str, grid_key: str
) -> Unit:
    """A department attached to the grid's street that handles the category, else the
    category's default department."""
    street = directory.ancestor_at(grid_key, "street")
    for dept in directory.children(street.key, kind="department"):
        if category in dept.categories:
            return dept
    return directory.get(catalog.category(category).default_department)


def top_review_level(directory: OrgDirectory, unit_key: str) -> bool:
    """True when a review unit has no reviewing level above it (escalation impossible)."""
    parent = directory.parent(unit_key)
    return parent is None or parent.level not in ("community", "street", "district")


class LaneAssigner:
    """Resolves a ready task to ``(role, unit, path, assignee, due)``."""

    def __init__(self, directory: OrgDirectory, catalog: Catalog):
        self.directory = directory
        self.catalog = catalog

    def assign(self, task: ReadyTask) -> Assignment:
        rule = self.catalog.lanes.get(task.lane or "")
        unit_var = task.properties.get("unit")
        unit_key = task.data.get(unit_var) if unit_var else None
        unit = self.directory.get(unit_key) if unit_key in self.directory else None
        role = rule.role_for(unit.level) if rule and unit else (rule.role if rule else None)
        assignee = None
        if rule and rule.assignee_variable:
            assignee = task.data.get(rule.assignee_variable) or None
        due_var = task.properties.get("due")
        due_at = _parse_due(task.data.get(due_var)) if due_var else None
        return Assignment(
            role=role,
            unit_key=unit.key if unit else unit_key,
            unit_path=unit.path if unit else None,
            assignee=assignee,
            due_at=due_at,
        )


def _parse_due(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None
