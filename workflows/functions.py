"""The functions BPMN conditions, scripts and timer expressions may call. Nothing else is
visible to them. Times are ISO 8601 strings with a zone, as SpiffWorkflow's timers expect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from workflows.calendar import WorkCalendar
from workflows.catalog import Catalog
from workflows.org import OrgDirectory

REVIEW_LEVELS = ("community", "street", "district")


def bpmn_functions(
    directory: OrgDirectory, catalog: Catalog, calendar: WorkCalendar
) -> dict[str, Callable[..., Any]]:
    """Build the registry of functions handed to the restricted evaluator."""

    def now() -> datetime:
        return datetime.now(UTC)

    def parent_unit(unit_key: str) -> str:
        """The reviewing level above a unit (community → street → district)."""
        parent = directory.parent(unit_key)
        if parent is None:
            raise ValueError(f"{unit_key} has no level above it")
        return parent.key

    def handle_deadline(category: str, priority: str, deadline: str | None) -> str:
        """The handling deadline: the dispatcher's, or the catalog limit from now."""
        if deadline:
            return datetime.fromisoformat(deadline).astimezone(UTC).isoformat()
        return calendar.add(now(), catalog.time_limit(category, priority)).isoformat()

    def warning_time(category: str, due: str) -> str:
        """When the yellow warning fires: the category's fraction of the time left."""
        start, end = now(), datetime.fromisoformat(due)
        fraction = catalog.category(category).warning_fraction
        return (start + (end - start) * fraction).isoformat()

    def step_due(step: str) -> str:
        """Deadline of a step around handling (review, dispatch, verify, evaluate)."""
        return calendar.add(now(), catalog.step_limit(step)).isoformat()

    def step_warning(step: str, category: str) -> str:
        return warning_time(category, step_due(step))

    def supervisor_unit(unit_key: str) -> str:
        """Where supervision of a step at ``unit_key`` happens: the reviewing level above."""
        unit = directory.territory_of(unit_key)
        parent = directory.parent(unit.key)
        if parent is not None and parent.level in REVIEW_LEVELS:
            return parent.key
        return unit.key

    def overdue_escalation(category: str, review_unit: str) -> str:
        """The responsible level after an overdue handling step (catalog rule per category)."""
        if not catalog.category(category).escalate_when_overdue:
            return review_unit
        parent = directory.parent(review_unit)
        return parent.key if parent is not None and parent.level in REVIEW_LEVELS else review_unit

    return {
        "parent_unit": parent_unit,
        "handle_deadline": handle_deadline,
        "warning_time": warning_time,
        "step_due": step_due,
        "step_warning": step_warning,
        "supervisor_unit": supervisor_unit,
        "overdue_escalation": overdue_escalation,
    }
