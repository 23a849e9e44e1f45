"""Domain errors. Like the engine's, they know nothing about HTTP."""

from __future__ import annotations

from engine.errors import FieldErrors, ForbiddenError, GridcaseError, NotFoundError

__all__ = [
    "AuthenticationError",
    "CatalogError",
    "FieldErrors",
    "ForbiddenError",
    "GridcaseError",
    "NotFoundError",
]


class AuthenticationError(GridcaseError):
    """Wrong user name, password or token."""


class CatalogError(GridcaseError):
    """The catalog or org data file is invalid; the message names the file and the place."""
