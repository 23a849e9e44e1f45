"""The one place where errors become HTTP statuses."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from workflows.domain.errors import (
    AuthenticationError,
    BpmnValidationError,
    CatalogError,
    ConflictError,
    FieldErrors,
    ForbiddenError,
    GridcaseError,
    NotFoundError,
    ScriptError,
    WorkflowStepError,
)

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
}


def _status_of(err: GridcaseError) -> int:
    for cls in type(err).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _body(err: GridcaseError) -> dict:
    body: dict = {"error": type(err).__name__, "message": str(err)}
    if isinstance(err, FieldErrors):
        body["fields"] = err.fields
    if isinstance(err, BpmnValidationError):
        body["problems"] = [
            {"file": p.file, "line": p.line, "element_id": p.element_id, "message": p.message}
            for p in err.problems
        ]
    if isinstance(err, WorkflowStepError):
        body["element_id"] = err.element_id
    return body


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_gridcase_error(err: GridcaseError) -> tuple[Response | str, int]:
    status = _status_of(err)
    if _wants_json():
        return jsonify(_body(err)), status
    return render_template("error.html", status=status, message=str(err)), status


def handle_validation_error(err: ValidationError) -> tuple[Response | str, int]:
    return handle_gridcase_error(FieldErrors(_flatten(err.messages)))


def handle_http_error(err: HTTPException) -> Response | tuple[Response, int]:
    if _wants_json():
        body = {"error": err.name.replace(" ", ""), "message": err.description}
        return jsonify(body), err.code or 500
    return err.get_response()


def _flatten(messages: dict | list, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix or "_form": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(_flatten(value, name))
    return flat


def init_app(app: Flask) -> None:
    app.register_error_handler(GridcaseError, handle_gridcase_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(HTTPException, handle_http_error)
