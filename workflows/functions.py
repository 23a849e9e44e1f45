"""The functions BPMN conditions and scripts may call. Nothing else is visible to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from workflows.catalog import Catalog
from workflows.deadlines import add_limit
from workflows.org import OrgDirectory


def bpmn_functions(directory: OrgDirectory, catalog: Catalog) -> dict[str, Callable[..., Any]]:
    """Build the registry of functions handed to the restricted evaluator."""

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
        limit = catalog.time_limit(category, priority)
        return add_limit(datetime.now(UTC), limit).isoformat()

    return {"parent_unit": parent_unit, "handle_deadline": handle_deadline}
