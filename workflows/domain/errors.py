"""Domain errors. Like the engine's, they know nothing about HTTP."""

from __future__ import annotations

from engine.errors import (
    BpmnProblem,
    BpmnValidationError,
    ConflictError,
    DatabaseUnavailable,
    FieldErrors,
    ForbiddenError,
    GridcaseError,
    NotFoundError,
    Phrase,
    ScriptError,
    WorkflowStepError,
)

__all__ = [
    "AuthenticationError",
    "BpmnProblem",
    "BpmnValidationError",
    "CatalogError",
    "ConflictError",
    "DatabaseUnavailable",
    "FieldErrors",
    "ForbiddenError",
    "GridcaseError",
    "NotFoundError",
    "OrderAlreadyReported",
    "Phrase",
    "ScriptError",
    "WorkflowStepError",
    "unknown_category",
]


class AuthenticationError(GridcaseError):
    """Wrong user name, password or token."""


class CatalogError(GridcaseError):
    """The catalog or org data file is invalid; the message names the file and the place."""


class OrderAlreadyReported(ConflictError):
    """Another transaction opened the case for this external order first."""


def unknown_category(code: str | None) -> Phrase:
    """What a form says about a category the catalog does not have (or none at all)."""
    if not code:
        return Phrase("choose a category")
    return Phrase("unknown category %(code)s", code=code)
