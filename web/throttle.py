"""How often one address or one account may do what (Flask-Limiter), declared in one place.
Counted in Redis when the service has one, so that every worker process shares the count,
else in the process (the embedded mode).

- residents' reports and sign-ups, per address, as the catalog's ``residents`` says;
- failed logins, per account (``LOGIN_PER_ACCOUNT``) and per address
  (``LOGIN_PER_ADDRESS``): guessing passwords is slowed down for one account from many
  addresses and for many accounts from one address; a right password is never counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from web.errors import LIMITER
from web.security import context

LOGIN_PER_ACCOUNT = "5 per 15 minutes"
LOGIN_PER_ADDRESS = "30 per 15 minutes"


def init_app(app: Flask, redis_url: str | None) -> Limiter:
    """The app's limiter with every limit applied; call after the blueprints are registered."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis away: count in this process's memory meanwhile instead of failing the request.
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(get_remote_address, app=app)
    app.extensions[LIMITER] = limiter

    def limit(endpoint: str, value: Callable[[], str], **options: Any) -> None:
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(value, methods=["POST"], **options)(view)

    limit("residents.report", lambda: context().catalog.residents.report_limit)
    limit("residents.sign_up", lambda: context().catalog.residents.sign_up_limit)
    limit("pages.login", lambda: LOGIN_PER_ACCOUNT, key_func=_account, deduct_when=_failed)
    limit("pages.login", lambda: LOGIN_PER_ADDRESS, deduct_when=_failed)
    # guessing the current password of a session left open counts like guessing at login
    limit(
        "pages.change_password",
        lambda: LOGIN_PER_ACCOUNT,
        key_func=_signed_in,
        deduct_when=_refused,
    )
    return limiter


def _account() -> str:
    return "account:" + request.form.get("username", "").strip().lower()


def _signed_in() -> str:
    return "account:" + (g.actor.username if g.get("actor") else "")


def _refused(response: Response) -> bool:
    return response.status_code == 400


def _failed(response: Response) -> bool:
    return response.status_code == 401
