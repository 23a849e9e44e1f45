"""Flask app factory: the API under /api/v1 and the HTML pages (Chinese first, English)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from workflows.domain.privacy import masked_phone
from workflows.services.attachments import MAX_BYTES, MAX_FILES
from workflows.services.context import GridcaseContext
from workflows.wiring.bootstrap import build_context


def local_time(when: datetime | str, zone: tzinfo) -> str:
    """A time on the city's clock, to the minute (an ISO string from the journal too)."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def create_app(
    config: Mapping[str, Any] | None = None, context: GridcaseContext | None = None
) -> Flask:
    """Build the app. Nothing happens at import time (not even importing the pages, so that
    the ``gridcase`` command starts quickly); tests pass their own context."""
    from web import (
        api_accounts,
        api_cases,
        api_coordination,
        api_dashboard,
        api_deadlines,
        api_hotline,
        api_indicators,
        api_map,
        api_orders,
        api_processes,
        api_tasks,
        errors,
        i18n,
        labels,
        open311,
        pages,
        pages_dashboard,
        pages_design,
        pages_hotline,
        pages_map,
        pages_orders,
        pages_people,
        pages_query,
        pages_reports,
        pages_residents,
        pages_supervise,
        pages_work,
        security,
        throttle,
    )

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("GRIDCASE_SECRET_KEY") or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind TLS: the session cookie is sent over HTTPS only.
        SESSION_COOKIE_SECURE=os.environ.get("GRIDCASE_COOKIE_SECURE") == "1",
        JSON_SORT_KEYS=False,
        # Nine photos of the largest size, and the form's text around them.
        MAX_CONTENT_LENGTH=MAX_FILES * MAX_BYTES + 2 * 1024 * 1024,
    )
    if config:
        app.config.update(config)
    proxies = int(os.environ.get("GRIDCASE_PROXIES") or 0)
    if proxies:
        # The client's address and scheme as the proxies in front say (the per-address
        # limits need the client's, not the proxy's).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.extensions["gridcase"] = context or build_context()
    zone = app.extensions["gridcase"].calendar.timezone
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", zone.key)  # the city's clock, not UTC
    app.add_template_filter(masked_phone, "masked_phone")
    app.add_template_filter(lambda when: local_time(when, zone), "localtime")
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    ctx = app.extensions["gridcase"]
    app.jinja_env.globals.update(labels.globals_for(ctx.directory, ctx.catalog))
    app.jinja_env.globals["may"] = security.may
    for module in (
        api_accounts,
        api_cases,
        api_tasks,
        api_deadlines,
        api_indicators,
        api_processes,
        api_coordination,
        api_dashboard,
        api_map,
        pages,
        pages_work,
        pages_supervise,
        pages_design,
        pages_dashboard,
        pages_query,
        pages_map,
        pages_reports,
        open311,
        api_hotline,
        pages_hotline,
        pages_residents,
        pages_people,
        api_orders,
        pages_orders,
    ):
        app.register_blueprint(module.bp)
    throttle.init_app(app, ctx.settings.redis_url)
    return app
