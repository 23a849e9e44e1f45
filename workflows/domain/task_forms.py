"""Check what a person answers on a task: against the task's JSON-schema form, then against
the domain rules a schema cannot express."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from workflows.domain.catalog import Catalog
from workflows.domain.errors import FieldErrors, Phrase, unknown_category
from workflows.domain.org import OrgDirectory
from workflows.domain.routing import top_review_level

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
    """Validate ``data`` and return it with every absent top-level field set to ``None``
    (but fields marked ``x-keep-when-empty``, which correct a value the process has).

    Conditions in the diagram can then rely on every form field being present.

    Raises:
        FieldErrors: per-field messages for everything wrong.
    """
    if not isinstance(data, dict):
        raise FieldErrors({"_form": [Phrase("task data must be a JSON object")]})
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
    absent = {
        name: None
        for name, spec in schema.get("properties", {}).items()
        if not spec.get("x-keep-when-empty")  # a correction: left empty, the value stays
    }
    return {**absent, **data}


ONLY_A_STREET = Phrase("only a street blows the whistle: escalate the case to the street first")
# Form fields that name departments (one, or a list): checked against the org tree.
DEPARTMENT_FIELDS = ("department", "lead", "co_handlers", "invited", "whistle_departments")
# Answers that set a deadline: it must lie ahead (a handling deadline of 2020 put the case
# in supervision before the department could sign).
DEADLINE_FIELDS = ("deadline", "new_deadline", "opinion_due", "rework_due")


def answer_problems(
    data: Mapping[str, Any],
    review_unit_key: str,
    directory: OrgDirectory,
    catalog: Catalog,
    category: str | None = None,
    now: datetime | None = None,
) -> dict[str, list[str]]:
    """Rules a JSON schema cannot express, keyed by well-known form fields (a case that is
    at the top level cannot be escalated; departments must be departments; a corrected
    category and event code must fit each other; a deadline lies after ``now`` …);
    ``category`` is the case's now."""
    errors: dict[str, list[str]] = {}
    for name in DEADLINE_FIELDS:
        given = _instant(data.get(name))
        if now is not None and given is not None and given <= now:
            errors[name] = [Phrase("a deadline must lie in the future")]
    closed = closed_choices(review_unit_key, directory)
    if data.get("decision") in closed.get("decision", ()):
        errors["decision"] = [Phrase("already at the top level: cannot escalate further")]
    for name in DEPARTMENT_FIELDS:
        value = data.get(name)
        chosen = value if isinstance(value, list) else [] if value is None else [value]
        wrong = [d for d in chosen if d not in directory or not directory.get(d).is_department]
        if wrong:
            units = ", ".join(map(str, wrong))
            errors[name] = [Phrase("not a department: %(units)s", units=units)]
    if data.get("mode") in closed.get("mode", ()):
        errors["mode"] = [
            Phrase("only a street blows the whistle: escalate the case to the street first")
        ]
    if "category" in data or "event_code" in data:  # a reviewer corrects the classification
        chosen = data.get("category") or category or ""
        if chosen not in catalog.categories:
            errors["category"] = [unknown_category(chosen)]
        else:
            problem = catalog.event_code_problem(chosen, data.get("event_code"))
            if problem:
                errors["event_code"] = [problem]
    service = data.get("service_category")
    if service is not None and service not in catalog.categories:
        errors["service_category"] = [unknown_category(service)]
    return errors


def closed_choices(review_unit_key: str, directory: OrgDirectory) -> dict[str, set[str]]:
    """Answers of well-known fields the level a case is at cannot take: escalating from the
    top, blowing the whistle below a street."""
    closed: dict[str, set[str]] = {}
    if top_review_level(directory, review_unit_key):
        closed["decision"] = {"escalate"}
    if directory.get(review_unit_key).level != "street":
        closed["mode"] = {"whistle"}
    return closed


def offered(
    schema: Mapping[str, Any] | None, closed: Mapping[str, set[str]]
) -> Mapping[str, Any] | None:
    """The form as the case's level may fill it: the ``closed`` choices (see
    :func:`closed_choices`) left out of their lists with their titles, so nobody is offered
    what would be refused."""
    if not schema or not closed:
        return schema
    properties = dict(schema.get("properties", {}))
    for name, values in closed.items():
        field = properties.get(name)
        if not field or "enum" not in field:
            continue
        keep = [i for i, v in enumerate(field["enum"]) if v not in values]
        trimmed = {**field, "enum": [field["enum"][i] for i in keep]}
        for titles in ("x-enum-titles", "x-enum-titles-en"):  # each list in step with enum
            if titles in field:
                trimmed[titles] = [field[titles][i] for i in keep]
        properties[name] = trimmed
    return {**schema, "properties": properties}


def _instant(value: Any) -> datetime | None:
    """A date-time answer as an aware instant (the form checked its format)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def reclassified(
    data: Mapping[str, Any], category: str, event_code: str | None, catalog: Catalog
) -> dict[str, Any]:
    """A reviewer's answers with the classification made whole: a new category keeps the
    case's event code only when it still fits, else the event code is cleared."""
    found = dict(data)
    new = found.get("category")
    if new and "event_code" not in found and catalog.event_code_problem(new, event_code):
        found["event_code"] = None
    return found


def photo_fields(schema: Mapping[str, Any] | None) -> list[str]:
    """The form's fields that take photos (``x-widget: photos``)."""
    props = (schema or {}).get("properties", {})
    return [name for name, spec in props.items() if spec.get("x-widget") == "photos"]
