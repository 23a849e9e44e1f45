"""The one place where errors become HTTP statuses."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from web.i18n import localized, said
from web.schema_messages import phrased
from workflows.domain.errors import (
    AuthenticationError,
    BpmnValidationError,
    CatalogError,
    ConflictError,
    DatabaseUnavailable,
    FieldErrors,
    ForbiddenError,
    GridcaseError,
    NotFoundError,
    ScriptError,
    WorkflowStepError,
)

# Headers of an HTTP error kept when it is answered as JSON.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
# Where the app keeps its rate limiter (``web.throttle``).
LIMITER = "gridcase_limiter"
STATUS: dict[type[GridcaseError], int] = {
    NotFoundError: 404,
    ForbiddenError: 403,
    AuthenticationError: 401,
    ConflictError: 409,
    FieldErrors: 400,
    BpmnValidationError: 422,
    ScriptError: 422,
    WorkflowStepError: 422,
    CatalogError: 500,
    DatabaseUnavailable: 503,
}


def _status_of(err: GridcaseError) -> int:
    for cls in type(err).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _body(err: GridcaseError) -> dict:
    body: dict = {"error": type(err).__name__, "message": str(err), "said": said(err)}
    if isinstance(err, FieldErrors):
        body["fields"] = err.fields
    if isinstance(err, BpmnValidationError):
        body["problems"] = [
            {
                "file": p.file,
                "line": p.line,
                "element_id": p.element_id,
                "message": p.message,
                "said": localized(p.message),  # in the reader's language, for the editor
            }
            for p in err.problems
        ]
    if isinstance(err, WorkflowStepError):
        body["element_id"] = err.element_id
    return body


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


# What a page says for each status, in the reader's language; the service's own message
# (English) follows only where it tells the reader what to mend.
PAGE_TEXT = {
    400: _l("Something in what was sent is not right."),
    401: _l("Please log in."),
    403: _l("You may not see or do this: none of your roles covers it."),
    404: _l("Not found: it does not exist, or no longer does."),
    409: _l("Someone changed this at the same moment, or it is already done: reload and look."),
    413: _l("What was sent is too large: send fewer or smaller photos."),
    422: _l("This could not be done."),
    429: _l("Too many requests from this address: please wait a while and try again."),
    500: _l("Something went wrong on our side; please try again later."),
    503: _l("The database cannot be reached just now; nothing was saved. Try again shortly."),
}
# Seconds a client is asked to wait when the database is away (a restart takes a few).
DATABASE_RETRY_AFTER = 5
PAGE_SHOWS_DETAIL = frozenset({400, 409, 422})


def handle_gridcase_error(err: GridcaseError) -> Response:
    status = _status_of(err)
    if _wants_json():
        response = jsonify(_body(err))
    else:
        detail = said(err) if status in PAGE_SHOWS_DETAIL else ""
        text = PAGE_TEXT.get(status, PAGE_TEXT[500])
        response = Response(render_template("error.html", status=status, text=text, message=detail))
    response.status_code = status
    if isinstance(err, DatabaseUnavailable):
        current_app.logger.warning("database unavailable: %s", err.__cause__)
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def handle_validation_error(err: ValidationError) -> Response:
    return handle_gridcase_error(FieldErrors(flatten(err.messages)))


def handle_http_error(err: HTTPException) -> Response | tuple[Response, int]:
    if _wants_json():
        body = {"error": err.name.replace(" ", ""), "message": err.description}
        response = jsonify(body)
        response.status_code = err.code or 500
        sent = err.get_response().headers
        for name in KEPT_HEADERS:  # e.g. what a 405 allows, when a 429 lets in again
            if name in sent:
                response.headers[name] = sent[name]
        return response
    if err.code in PAGE_TEXT:
        wait = _seconds_to_wait() if err.code == 429 else None
        message = _("Try again in %(minutes)s min.", minutes=-(-wait // 60)) if wait else ""
        page = render_template(
            "error.html", status=err.code, text=PAGE_TEXT[err.code], message=message
        )
        response = Response(page, err.code)
        if wait:
            response.headers["Retry-After"] = str(wait)
        return response
    return err.get_response()


def _seconds_to_wait() -> int | None:
    """Until the limit just exceeded lets the caller in again (Flask-Limiter's count)."""
    limiter = current_app.extensions.get(LIMITER)
    current = limiter.current_limit if limiter is not None else None
    return max(1, math.ceil(current.reset_at - time.time())) if current else None


def flatten(messages: dict | list, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix or "_form": [phrased(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten(value, name))
    return flat


def init_app(app: Flask) -> None:
    app.register_error_handler(GridcaseError, handle_gridcase_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(HTTPException, handle_http_error)
