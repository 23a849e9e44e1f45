"""Rules of the key-person register: visit intervals by category and risk, masking, the
resident ID number's check digit (GB 11643), the retention of removed persons."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RISK_LEVELS = ("low", "medium", "high")
# Fields shown masked until the viewer opens them (and the opening is journaled).
MASKED_FIELDS = ("id_number", "phone", "guardians")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE_SHAPE = re.compile(r"^[\d\-+ ]{5,20}$")


@dataclass(frozen=True)
class PersonCategory:
    code: str
    name_zh: str
    name_en: str
    group: str  # attention (重点关注) or service (特殊服务)
    visit_every_days: Mapping[str, int]


@dataclass(frozen=True)
class KeyPersonRules:
    """The catalog's ``key_persons`` section."""

    categories: Mapping[str, PersonCategory]
    risk_levels: Mapping[str, Mapping[str, str]]
    opens_before_days: int
    warn_before_days: int
    retention_days: int

    @classmethod
    def from_catalog(cls, raw: Mapping[str, Any]) -> KeyPersonRules:
        section = raw.get("key_persons") or {}
        return cls(
            categories={
                code: PersonCategory(
                    code, c["name_zh"], c["name_en"], c["group"], c["visit_every_days"]
                )
                for code, c in (section.get("categories") or {}).items()
            },
            risk_levels=section.get("risk_levels") or {},
            opens_before_days=section.get("opens_before_days", 7),
            warn_before_days=section.get("warn_before_days", 2),
            retention_days=section.get("retention_days", 1095),
        )

    def interval(self, categories: Iterable[str], risk_level: str) -> timedelta:
        """How often to visit: the shortest interval of the person's categories at their
        risk level."""
        days = [self.categories[c].visit_every_days[risk_level] for c in categories]
        return timedelta(days=min(days))

    def schedule(
        self,
        last: datetime,
        categories: Iterable[str],
        risk_level: str,
        not_before: datetime | None = None,
    ) -> VisitWindow:
        """The next visit after ``last`` (a visit, or registration); due no earlier than
        ``not_before`` (a re-plan whose interval has already run out makes the visit due
        then, instead of missing it at once a second time)."""
        interval = self.interval(categories, risk_level)
        due = max(last + interval, not_before) if not_before else last + interval
        opens = max(last, due - timedelta(days=self.opens_before_days))
        warn = max(opens, due - timedelta(days=self.warn_before_days))
        return VisitWindow(opens, warn, due)


@dataclass(frozen=True)
class VisitWindow:
    """When a visit appears in the inbox, when its warning goes out, when it is due."""

    opens_at: datetime
    warn_at: datetime
    due_at: datetime


def valid_id_number(value: str) -> bool:
    """An 18-character resident ID number with a correct check digit."""
    value = value.upper()
    if not _ID_SHAPE.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def valid_phone(value: str) -> bool:
    return bool(_PHONE_SHAPE.match(value))


def mask_id_number(value: str) -> str:
    """Region code and check digit only: 420202********123X → 4202************3X."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """For notices that leave the register (webhooks): the family name only."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""


def masked(field: str, value: Any) -> Any:
    """A field's value as shown before it is opened."""
    if field == "id_number":
        return mask_id_number(value or "")
    if field == "phone":
        return mask_phone(value or "")
    if field == "guardians":
        return [
            {**g, "name": mask_name(g.get("name", "")), "phone": mask_phone(g.get("phone", ""))}
            for g in value or []
        ]
    return value
