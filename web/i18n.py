"""Languages: Chinese (zh_Hans) by default, English on request; the choice is kept in the
session. ``tr`` picks the ``*_zh`` or ``*_en`` name of catalog and org data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, request, session
from flask_babel import Babel, get_locale, gettext

from workflows.domain.errors import FieldErrors, GridcaseError, Phrase

LANGUAGES = {"zh_Hans": "中文", "en": "English"}
DEFAULT = "zh_Hans"


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.args.get("lang") if request.args.get("lang") in LANGUAGES else DEFAULT


def is_english() -> bool:
    return str(get_locale()).startswith("en")


def tr(thing: Any, field: str = "name") -> str:
    """The localized ``<field>_zh`` / ``<field>_en`` of a unit, category or dict."""
    suffix = "en" if is_english() else "zh"
    if isinstance(thing, dict):
        return str(thing.get(f"{field}_{suffix}") or thing.get(f"{field}_zh") or "")
    return str(getattr(thing, f"{field}_{suffix}", None) or getattr(thing, f"{field}_zh", ""))


def localized(message: str) -> str:
    """A message from the service layer (English) in the page's language when the catalogue
    knows it (see ``labels.SERVICE_MESSAGES``), also after a "<file or name>: " prefix;
    otherwise as it came."""
    if not message:
        return message
    if isinstance(message, Phrase):  # its values may be Phrases too ("在条件表达式中：…")
        values = {k: localized(v) if isinstance(v, str) else v for k, v in message.params.items()}
        return gettext(message.template, **values)
    translated = gettext(message)
    if translated == message and ": " in message:
        subject, _, rest = message.partition(": ")
        return f"{subject}: {gettext(rest)}"
    return translated


def field_title(spec: Mapping[str, Any], name: str) -> str:
    """A form field's title in the page's language: designers write ``title`` in Chinese
    and ``x-title-en`` beside it (a "中文 English" title is split)."""
    if is_english() and spec.get("x-title-en"):
        return str(spec["x-title-en"])
    return split_title(str(spec.get("title", name)))


def choice_titles(spec: Mapping[str, Any]) -> list[str]:
    """The titles of a field's choices in the page's language (``x-enum-titles`` and
    ``x-enum-titles-en``), else the values themselves."""
    english = spec.get("x-enum-titles-en") if is_english() else None
    return [str(t) for t in (english or spec.get("x-enum-titles") or spec["enum"])]


def said(err: GridcaseError) -> str:
    """An error in the reader's language: each field's messages of a FieldErrors, else the
    error's own message."""
    if isinstance(err, FieldErrors):
        return "; ".join(localized(m) for ms in err.fields.values() for m in ms)
    return localized(err.said)


def split_title(title: str) -> str:
    """BPMN names are written "中文 English" (or "English / 中文" for processes): show the
    half of the current language."""
    if " / " in title:  # "English / 中文" (process names)
        first, _, second = title.partition(" / ")
        zh_first = any("\u4e00" <= ch <= "\u9fff" for ch in first)
        return (second if zh_first else first) if is_english() else (first if zh_first else second)
    zh, _, en = title.partition(" ")
    if not en or not any("\u4e00" <= ch <= "\u9fff" for ch in zh):
        return title
    return en if is_english() else zh


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_locale=DEFAULT)
    app.jinja_env.globals.update(tr=tr, LANGUAGES=LANGUAGES, is_english=is_english)
    app.add_template_filter(localized, "localized")
    app.add_template_filter(split_title, "bpmn_name")
