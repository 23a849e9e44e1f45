"""Deadlines set by people (an approved extension, a supervisor's new deadline): when the
yellow warning goes off, and which process variables carry the new times to later steps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from workflows.domain.catalog import Catalog


class WaitingStep(Protocol):
    properties: Mapping[str, Any]


def warning_before(catalog: Catalog, category: str, now: datetime, due: datetime) -> datetime:
    """The yellow warning for a deadline set now: at the category's fraction of the time."""
    fraction = catalog.category(category).warning_fraction
    return now + (due - now) * fraction


def deadline_variables(
    steps: Iterable[WaitingStep], due: datetime, warning: datetime
) -> dict[str, str]:
    """The variables the waiting steps name in their ``due`` and ``warn`` properties, set
    to the new times (a rework after an extension keeps the extended deadline)."""
    found: dict[str, str] = {}
    for step in steps:
        if step.properties.get("due"):
            found[step.properties["due"]] = due.isoformat()
        if step.properties.get("warn"):
            found[step.properties["warn"]] = warning.isoformat()
    return found
