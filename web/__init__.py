"""Flask app factory: API under /api/v1, a login page and a minimal inbox."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from web import (
    api_cases,
    api_clock,
    api_coordination,
    api_processes,
    api_tasks,
    errors,
    pages,
    security,
)
from workflows.context import GridcaseContext, build_context


def create_app(
    config: Mapping[str, Any] | None = None, context: GridcaseContext | None = None
) -> Flask:
    """Build the app. Nothing happens at import time; tests pass their own context."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("GRIDCASE_SECRET_KEY") or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    if config:
        app.config.update(config)
    app.extensions["gridcase"] = context or build_context()
    zone = app.extensions["gridcase"].calendar.timezone
    app.add_template_filter(
        lambda when: when.astimezone(zone).strftime("%Y-%m-%d %H:%M"), "localtime"
    )
    security.init_app(app)
    errors.init_app(app)
    for module in (api_cases, api_tasks, api_clock, api_processes, api_coordination, pages):
        app.register_blueprint(module.bp)
    return app
