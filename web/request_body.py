"""What an API request sends: a JSON body, or a multipart form with files beside its fields."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from web.form_widgets import uploads
from workflows.domain.errors import FieldErrors
from workflows.services.attachments import Upload

NOT_JSON = "request body is not valid JSON"


def is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def json_body() -> dict[str, Any]:
    """The JSON object sent, or {} for an empty body.

    Raises:
        FieldErrors: the body is not JSON, or not a JSON object.
    """
    if not request.get_data(cache=True):
        return {}
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError):
        raise FieldErrors({"_body": [NOT_JSON]}) from None
    if not isinstance(body, dict):
        raise FieldErrors({"_body": ["request body must be a JSON object"]})
    return body


def form_fields() -> dict[str, Any]:
    """A multipart form's text fields (a field sent twice becomes a list)."""
    return {k: (v if len(v) > 1 else v[0]) for k, v in request.form.lists()}


def json_field(name: str) -> Any:
    """A multipart field that carries JSON text (``data`` of a completion).

    Raises:
        FieldErrors: the field is not valid JSON.
    """
    raw = request.form.get(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise FieldErrors({name: [NOT_JSON]}) from None


def files() -> dict[str, list[Upload]]:
    """Every file sent, by form field."""
    return {name: uploads(name) for name in request.files}


def parse_flag(raw: str | None, name: str) -> bool:
    """A yes/no query argument: absent or empty is no.

    Raises: FieldErrors naming the argument for anything but true/false, 1/0, yes/no."""
    value = (raw or "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise FieldErrors({name: ["true or false"]})
