"""Working time: Chinese statutory holidays and adjusted working days, plus local overrides.

The ``holidays`` library knows the State Council's yearly schedule, including the weekend
days that become working days (调休). An administrator can add or remove days in
``data/calendar.yaml`` (or the file named by ``GRIDCASE_CALENDAR``) when a city differs or a
new year's schedule is published before the library catches up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import yaml

from workflows.domain.catalog import DATA_DIR


@dataclass
class WorkCalendar:
    """Working days and hours in one time zone; all inputs and outputs are aware datetimes."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        self._national = holidays.China()

    @classmethod
    def load(cls, path: Path | None = None) -> WorkCalendar:
        raw: dict[str, Any] = yaml.safe_load((path or DATA_DIR / "calendar.yaml").read_text())
        hours = raw.get("working_hours", {})
        return cls(
            timezone=ZoneInfo(raw.get("timezone", "Asia/Shanghai")),
            day_start=time.fromisoformat(hours.get("start", "09:00")),
            day_end=time.fromisoformat(hours.get("end", "17:00")),
            extra_holidays=frozenset(_dates(raw.get("holidays"))),
            extra_workdays=frozenset(_dates(raw.get("workdays"))),
        )

    @property
    def hours_per_day(self) -> float:
        start = datetime.combine(date.min, self.day_start)
        return (datetime.combine(date.min, self.day_end) - start).total_seconds() / 3600

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return bool(self._national.is_working_day(day))

    def add(self, start: datetime, limit: Mapping[str, float]) -> datetime:
        """``start`` plus a catalog limit (``hours``, ``natural_days``, ``working_hours``,
        ``working_days``); working days count as whole working-hour days."""
        kind, amount = next(iter(limit.items()))
        if kind == "hours":
            return start + timedelta(hours=amount)
        if kind == "natural_days":
            return start + timedelta(days=amount)
        if kind == "working_hours":
            return self.add_working_hours(start, amount)
        if kind == "working_days":
            return self.add_working_hours(start, amount * self.hours_per_day)
        raise ValueError(f"unknown time limit kind {kind!r}")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Walk forward through working windows until ``hours`` of working time have passed."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.timezone)
        while True:
            day = cursor.date()
            opens = datetime.combine(day, self.day_start, self.timezone)
            closes = datetime.combine(day, self.day_end, self.timezone)
            if self.is_working_day(day) and cursor < closes:
                cursor = max(cursor, opens)
                available = closes - cursor
                if remaining <= available:
                    return (cursor + remaining).astimezone(UTC)
                remaining -= available
            cursor = datetime.combine(day + timedelta(days=1), self.day_start, self.timezone)


def _dates(values: Any) -> list[date]:
    return [v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values or []]
