"""Check submitted task data against the task's JSON-schema form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from workflows.errors import FieldErrors

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


def _fields_of(error: jsonschema.ValidationError, schema: Mapping[str, Any]) -> list[str]:
    if error.path:
        return [str(error.path[0])]
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [f for f in error.validator_value if f not in instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(schema.get("properties", {}))
        return sorted(set(error.instance) - known) or ["_form"]
    return ["_form"]


def _message(error: jsonschema.ValidationError, field: str) -> str:
    if error.validator == "required":
        return "this field is required"
    if error.validator == "additionalProperties":
        return "unknown field"
    return error.message


def validate_form(schema: Mapping[str, Any] | None, data: Any) -> dict[str, Any]:
    """Validate ``data`` and return it with every absent top-level field set to ``None``.

    Conditions in the diagram can then rely on every form field being present.

    Raises:
        FieldErrors: per-field messages for everything wrong.
    """
    if not isinstance(data, dict):
        raise FieldErrors({"_form": ["task data must be a JSON object"]})
    if schema is None:
        return dict(data)
    errors: dict[str, list[str]] = {}
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    for error in validator.iter_errors(data):
        for field in _fields_of(error, schema):
            message = _message(error, field)
            if message not in errors.setdefault(field, []):
                errors[field].append(message)
    if errors:
        raise FieldErrors(errors)
    return {**{name: None for name in schema.get("properties", {})}, **data}
