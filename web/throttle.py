"""Limits on how often one address may use the public pages (Flask-Limiter): counted in
Redis when the service has one, so that every worker process shares the count, else in
the process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask, redis_url: str | None) -> Limiter:
    """The app's limiter; no limit applies until a view asks for one (:func:`limit`)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    return Limiter(get_remote_address, app=app)


def limit(
    limiter: Limiter, app: Flask, endpoint: str, value: Callable[[], str], **options: Any
) -> None:
    """Apply a limit (read per request, e.g. from the catalog) to a registered view."""
    app.view_functions[endpoint] = limiter.limit(value, **options)(app.view_functions[endpoint])
