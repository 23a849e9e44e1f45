"""The case-type catalog: streams, duty categories, event codes, channels, lanes, roles.

It is data (``data/catalog.yaml``), validated against ``data/catalog.schema.json`` when
loaded, so administrators can change it without touching code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from workflows.domain.errors import CatalogError, NotFoundError
from workflows.domain.indicators import IndicatorSettings
from workflows.domain.key_persons import KeyPersonRules
from workflows.domain.service_orders import OrderRules

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def load_yaml(path: Path, schema_name: str) -> dict[str, Any]:
    """Load a YAML data file and validate it against a schema in ``data/``.

    Raises:
        CatalogError: the file is not YAML or breaks the schema (the message says where).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CatalogError(f"{path}: {err}") from err
    schema = json.loads((DATA_DIR / schema_name).read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path)
    )
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(top)"
        raise CatalogError(f"{path}: at {where}: {errors[0].message}")
    return data


@dataclass(frozen=True)
class Category:
    code: str
    slug: str
    name_zh: str
    name_en: str
    stream: str
    process: str
    default_department: str
    time_limits: Mapping[str, Mapping[str, float]]
    warning_fraction: float = 0.8
    escalate_when_overdue: bool = True
    keywords: tuple[str, ...] = ()
    icon: str = "alert-circle"


@dataclass(frozen=True)
class Channel:
    code: str
    name_zh: str
    name_en: str
    review_level: str
    via_centre: bool = False


@dataclass(frozen=True)
class DuplicateSettings:
    """Open cases of the same category or event code, this near and this recent."""

    distance_m: float = 50.0
    days: float = 7.0


@dataclass(frozen=True)
class ResidentSettings:
    """The public pages: reports and sign-ups allowed per address (Flask-Limiter
    notation), and whether the tracking page names who did each step (else only the unit)."""

    report_limit: str = "10 per hour;30 per day"
    sign_up_limit: str = "5 per hour"
    show_staff_names: bool = False


@dataclass(frozen=True)
class Centre:
    """A stream's first-level centre: the unit, and whether it only registers (the local
    unit then reviews) or reviews and dispatches itself."""

    unit: str
    mode: str


@dataclass(frozen=True)
class LaneRule:
    """How a BPMN lane becomes an org role; ``by_level`` picks the role by the unit's level."""

    lane: str
    role: str | None = None
    by_level: Mapping[str, str] | None = None
    assignee_variable: str | None = None

    def role_for(self, level: str) -> str | None:
        if self.by_level is not None:
            return self.by_level.get(level)
        return self.role


@dataclass(frozen=True)
class Tell:
    """Who hears of an event: the holders of the waiting steps (``role`` None), or the
    holders of ``role`` in the first of ``units`` that names a unit (see ``case_events``)."""

    role: str | None
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventRule:
    """What an event means for the case and who is told (catalog ``events``)."""

    kind: str
    title_zh: str
    title_en: str
    alert: str | None = None
    mark: bool = False
    mark_department: str = "department"
    tell: tuple[Tell, ...] = ()


@dataclass(frozen=True)
class CaseVariable:
    """A process variable copied onto a case field after every step."""

    variable: str
    field: str
    type: str = "text"


def _tell(entry: Any) -> Tell:
    if entry == "holders":
        return Tell(None)
    units = entry["unit"]
    return Tell(entry["role"], tuple(units) if isinstance(units, list) else (units,))


class Catalog:
    """Read access to the catalog with lookups that raise clear errors."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.streams = {s["code"]: s for s in raw["streams"]}
        self.step_limits: Mapping[str, Mapping[str, float]] = raw["step_limits"]
        self.priorities = _by_code(raw["priorities"])
        self.categories = {
            c["code"]: Category(
                code=c["code"],
                slug=c["slug"],
                name_zh=c["name_zh"],
                name_en=c["name_en"],
                stream=c["stream"],
                process=c["process"],
                default_department=c["default_department"],
                time_limits=c["time_limits"],
                warning_fraction=c.get("warning_fraction", 0.8),
                escalate_when_overdue=c.get("escalate_when_overdue", True),
                keywords=tuple(c.get("keywords_zh", ())),
                icon=c.get("icon", "alert-circle"),
            )
            for c in raw["categories"]
        }
        self.event_classes = raw.get("event_codes", [])
        self.subclasses = {s["code"]: s for ec in self.event_classes for s in ec["subclasses"]}
        self.channels = {
            c["code"]: Channel(
                c["code"], c["name_zh"], c["name_en"], c["review_level"], c.get("via_centre", False)
            )
            for c in raw["channels"]
        }
        self.lanes = {
            name: LaneRule(name, r.get("role"), r.get("by_level"), r.get("assignee_variable"))
            for name, r in raw["lanes"].items()
        }
        self.roles = _by_code(raw["roles"])
        self.capabilities = {code: frozenset(r.get("may", ())) for code, r in self.roles.items()}
        self.events = {
            kind: EventRule(
                kind=kind,
                title_zh=e["title_zh"],
                title_en=e["title_en"],
                alert=e.get("alert"),
                mark=e.get("mark", False),
                mark_department=e.get("mark_department", "department"),
                tell=tuple(_tell(x) for x in e.get("tell", ())),
            )
            for kind, e in raw["events"].items()
        }
        self.case_variables = tuple(
            CaseVariable(name, v["field"], v.get("type", "text"))
            for name, v in raw["case_variables"].items()
        )
        self.sensor_kinds: Mapping[str, Mapping[str, Any]] = raw.get("sensor_kinds", {})
        self.special_task_rules: Mapping[str, Mapping[str, Any]] = raw.get("special_task_rules", {})
        self.shortcuts: Mapping[str, Mapping[str, Any]] = raw.get("supervisor_shortcuts", {})
        self.indicators = IndicatorSettings.from_catalog(raw)
        self.duplicates = DuplicateSettings(**raw.get("duplicates", {}))
        self.residents = ResidentSettings(**raw.get("residents", {}))
        self.key_persons = KeyPersonRules.from_catalog(raw)
        self.service_orders = OrderRules.from_catalog(raw)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        return cls(load_yaml(path or DATA_DIR / "catalog.yaml", "catalog.schema.json"))

    def centre(self, stream: str) -> Centre | None:
        """The stream's first-level centre, if the catalog names one."""
        found = self.streams.get(stream, {})
        if not found.get("centre"):
            return None
        return Centre(found["centre"], found.get("centre_mode", "dispatch"))

    def category(self, code: str) -> Category:
        try:
            return self.categories[code]
        except KeyError:
            raise NotFoundError(f"unknown category {code!r}") from None

    def channel(self, code: str) -> Channel:
        try:
            return self.channels[code]
        except KeyError:
            raise NotFoundError(f"unknown channel {code!r}") from None

    def step_limit(self, step: str) -> Mapping[str, float]:
        try:
            return self.step_limits[step]
        except KeyError:
            raise NotFoundError(f"no time limit for step {step!r}") from None

    def event(self, kind: str) -> EventRule:
        """The rule of an event kind; an unknown kind is only a title (deploy refuses
        ``emit`` values the catalog does not know, so this is for old versions)."""
        return self.events.get(kind) or EventRule(kind, kind, kind)

    def time_limit(
        self, category: str, priority: str, event_code: str | None = None
    ) -> Mapping[str, float]:
        """The handling limit: the event code's own limit where the catalog gives one (it
        replaces the category's normal-priority limit), else the category's for the
        priority."""
        subclass = self.subclasses.get(event_code or "")
        if subclass and subclass.get("time_limit") and priority == "normal":
            return subclass["time_limit"]
        limits = self.category(category).time_limits
        if priority not in limits:
            raise NotFoundError(f"category {category} has no limit for priority {priority!r}")
        return limits[priority]

    def event_code_problem(self, category: str, event_code: str | None) -> str | None:
        """Why an event code does not fit a category, or None when it does."""
        if not event_code:
            return None
        subclass = self.subclasses.get(event_code)
        if subclass is None:
            return f"unknown event code {event_code!r}"
        if subclass["category"] != category:
            return (
                f"event code {event_code} {subclass['name_zh']} belongs to category "
                f"{subclass['category']}, not {category}"
            )
        return None


def _by_code(items: Any) -> dict[str, Any]:
    """Accept either a list of ``{code: ...}`` or a mapping keyed by code."""
    if isinstance(items, Mapping):
        return {k: {"code": k, **v} for k, v in items.items()}
    return {i["code"]: i for i in items}
