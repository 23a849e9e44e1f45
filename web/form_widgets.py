"""Turn a task's JSON-schema form into HTML fields, and posted HTML form data back into the
JSON the schema validates. Which widget a field gets follows its type, ``enum``, ``format``
and the ``x-widget`` hint (textarea, department(s), category, photos)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from web.i18n import choice_titles, field_title, is_english, localized, said, tr
from workflows.domain.catalog import Catalog
from workflows.domain.errors import FieldErrors
from workflows.domain.org import OrgDirectory
from workflows.services.attachments import Upload


@dataclass
class Field:
    name: str
    title: str
    description: str
    kind: str
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    errors: Sequence[str] = ()
    maximum: int | None = None
    minimum: int | None = None
    show_when: Mapping[str, Sequence[Any]] | None = None  # x-show-when: {field: [values]}


def _kind(spec: Mapping[str, Any]) -> str:
    widget = spec.get("x-widget")
    if widget in ("textarea", "department", "departments", "category", "event_code", "photos"):
        return widget
    if "enum" in spec:
        return "radio" if len(spec["enum"]) <= 4 else "select"
    if spec.get("format") == "date-time":
        return "datetime"
    return {"boolean": "boolean", "integer": "integer", "number": "number"}.get(
        spec.get("type", "string"), "text"
    )


def _hint(spec: Mapping[str, Any]) -> str:
    """Designers write hints in Chinese (``description``) with ``x-description-en`` beside."""
    if is_english() and spec.get("x-description-en"):
        return str(spec["x-description-en"])
    return str(spec.get("description", ""))


def fields_for(
    schema: Mapping[str, Any],
    values: Mapping[str, Any],
    errors: Mapping[str, Sequence[str]],
    catalog: Catalog,
    directory: OrgDirectory,
) -> list[Field]:
    required = set(schema.get("required", []))
    departments = [(u.key, tr(u)) for u in directory.all() if u.is_department]
    categories = [(c.code, f"{c.code} {tr(c)}") for c in catalog.categories.values()]
    event_codes = [
        (code, f"{code} {tr(sub)}（{sub['category']}）") for code, sub in catalog.subclasses.items()
    ]
    out = []
    for name, spec in schema.get("properties", {}).items():
        kind = _kind(spec)
        options: list[tuple[str, str]] = []
        if "enum" in spec:
            options = list(zip(spec["enum"], choice_titles(spec), strict=False))
        elif kind in ("department", "departments"):
            options = departments
        elif kind == "category":
            options = categories
        elif kind == "event_code":
            options = event_codes
        elif kind == "boolean":
            options = [("true", _("Yes")), ("false", _("No"))]
        out.append(
            Field(
                name=name,
                title=field_title(spec, name),
                description=_hint(spec),
                kind=kind,
                required=name in required,
                options=options,
                value=values.get(name, spec.get("default")),
                errors=[localized(m) for m in errors.get(name, ())],
                maximum=spec.get("maximum"),
                minimum=spec.get("minimum"),
                show_when=spec.get("x-show-when"),
            )
        )
    return out


def read_form(schema: Mapping[str, Any], form: MultiDict, zone: tzinfo) -> dict[str, Any]:
    """Posted strings → typed values; empty inputs are left out (the schema decides)."""
    data: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        kind = _kind(spec)
        if kind == "photos" or not _shown(spec, form):
            continue
        if kind == "departments" or spec.get("type") == "array":
            chosen = [v for v in form.getlist(name) if v]
            if chosen:
                data[name] = chosen
            continue
        raw = (form.get(name) or "").strip()
        if raw == "":
            continue
        data[name] = _typed(kind, raw, zone)
    return data


def _shown(spec: Mapping[str, Any], form: MultiDict) -> bool:
    """``x-show-when`` lets a designer show a field only for some answers of another
    (a return reason only when returning); a hidden field's input is ignored, with or
    without the page's script."""
    rules = spec.get("x-show-when", {})
    return all(form.get(other, "") in values for other, values in rules.items())


def _typed(kind: str, raw: str, zone: tzinfo) -> Any:
    try:
        if kind == "boolean":
            return raw == "true"
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "datetime":
            when = datetime.fromisoformat(raw)
            return (when if when.tzinfo else when.replace(tzinfo=zone)).isoformat()
    except ValueError:
        return raw  # the schema check reports it next to the field
    return raw


def parse_local_time(raw: str | None, zone: tzinfo, field: str = "due") -> datetime | None:
    """A ``datetime-local`` input (no offset) in the city's time zone; None when empty.

    Raises: FieldErrors when the text is not a time.
    """
    if not raw or not raw.strip():
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise FieldErrors({field: [_("not a date and time")]}) from None
    return when if when.tzinfo else when.replace(tzinfo=zone)


def uploads(name: str) -> list[Upload]:
    """The files posted under one form field (an empty file input gives none)."""
    return [Upload(f.filename or "", f.mimetype, f.stream) for f in request.files.getlist(name)]


def flash_errors(err: FieldErrors) -> None:
    """Show an action's field errors at the top of the page it returns to."""
    flash(said(err), "error")
