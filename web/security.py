"""Who is calling: a bearer token (programs) or the session cookie (browsers), plus CSRF.

Browser sessions must send the CSRF token on every unsafe request (forms carry it, scripts
send ``X-CSRFToken``); bearer-token calls are not exposed to CSRF and skip the check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from workflows.domain.errors import AuthenticationError
from workflows.domain.permissions import Actor
from workflows.services import accounts as auth
from workflows.services.context import GridcaseContext

csrf = CSRFProtect()
OPEN311_PREFIX = "/open311/"
F = TypeVar("F", bound=Callable[..., Any])
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def context() -> GridcaseContext:
    return cast(GridcaseContext, current_app.extensions["gridcase"])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _identify() -> None:
    g.actor = None
    token = _bearer()
    if token is not None:
        g.actor = auth.actor_for_token(context(), token)  # AuthenticationError → 401
        return
    # A cookie session can be forged from another site; an API call without one cannot,
    # and gets the 401 that tells a program to send its token.
    # Open311 takes its key as a parameter and never looks at the session.
    if request.path.startswith(OPEN311_PREFIX):
        return
    has_session = bool(session.get("username")) or not request.path.startswith("/api/")
    if (
        request.method in UNSAFE
        and has_session
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()
    username = session.get("username")
    if username:
        try:
            g.actor = auth.load_actor(context(), username, session.get("epoch", 0))
        except AuthenticationError:
            session.clear()


def start_session(actor: Actor) -> None:
    """A fresh session for the person (the language choice kept), valid until they sign
    out anywhere."""
    lang = session.get("lang")
    session.clear()
    session["username"] = actor.username
    session["epoch"] = auth.session_epoch(context(), actor.username)
    if lang:
        session["lang"] = lang
    g.actor = actor


def end_session() -> None:
    """Sign the person out of every session they have (copied cookies included)."""
    username = session.get("username")
    if username:
        auth.sign_out_everywhere(context(), username)
    session.clear()


def login_required(view: F) -> F:
    """Require an actor; API calls get 401 JSON, browsers go to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("actor") is None:
            if request.path.startswith("/api/"):
                raise AuthenticationError("log in or send 'Authorization: Bearer <token>'")
            return redirect(url_for("pages.login", next=request.full_path))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/inbox?page=2``), else None: never
    ``//other.host/x``, ``/\\other.host``, a scheme or a host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\t"):
        return None
    return target


def may(capability: str) -> bool:
    """Whether the person calling holds ``capability`` anywhere (for navigation)."""
    actor = g.get("actor")
    return actor is not None and context().permissions.has(actor, capability)


@functools.lru_cache(maxsize=8)
def content_policy(map_tiles: str | None) -> str:
    """The Content-Security-Policy of every answer: scripts, styles, fonts and data only
    from this site (bpmn-js and Leaflet set inline styles; no inline script anywhere),
    images also from the map's tile servers, and no page of ours inside another's frame."""
    tiles = sorted({o for t in (map_tiles or "").split() if (o := _origin(t))})
    images = " ".join(["'self'", "data:", "blob:", *tiles])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _origin(template: str) -> str | None:
    """``https://t{s:0123}.tiles.example/{z}/{x}/{y}.png`` → ``https://*.tiles.example``."""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = ".".join("*" if "{" in label else label for label in parts.netloc.split("."))
    return f"{parts.scheme}://{host}"


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.before_request(_identify)

    @app.after_request
    def protect(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_policy(context().settings.map_tiles))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response
