"""The indicators of DOMAIN §5, defined once: what each count is, which rate divides which
counts, and the readings a city chooses (catalog ``indicators``).

Periods. ``reported`` and ``valid`` count cases by the day they were reported; every other
case count by the day the case was registered — accepted and received by a department, or
handled on the spot (a case is due to close for the department and the period it was
dispatched in). What happened to a registered case counts as of the moment of the query: a
case registered in October and closed in November is closed in October's row. Department
marks (received, returned …) count by the day they happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from workflows.domain.errors import FieldErrors, Phrase

GROUPINGS = ("street", "community", "grid", "department", "grid_worker", "category")


@dataclass(frozen=True)
class Measure:
    name: str
    zh: str
    en: str


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: str
    denominator: str
    zh: str
    en: str


# Case counts (every grouping but grid_worker).
CASE_COUNTS = (
    Measure("reported", "上报数", "Reported"),
    Measure("valid", "有效上报数", "Valid reports"),
    Measure("due_to_close", "应结案数", "Due to close"),
    Measure("closed", "结案数", "Closed"),
    Measure("closed_on_time", "按期结案数", "Closed on time"),
    Measure("due_to_handle", "应处置数", "Due to handle"),
    Measure("handled", "处置数", "Handled"),
    Measure("handled_on_time", "按期处置数", "Handled on time"),
    Measure("dispatched", "派遣数", "Dispatched"),
    Measure("returned", "退回案件数", "Returned"),
    Measure("reworked", "返工数", "Reworked"),
    Measure("extended", "延期数", "Extended"),
    Measure("overdue", "超期数", "Overdue"),
    Measure("supervised", "督办数", "Supervised"),
    Measure("evaluated", "评价数", "Evaluated"),
    Measure("satisfied", "满意", "Satisfied"),
    Measure("basically_satisfied", "基本满意", "Basically satisfied"),
    Measure("dissatisfied", "不满意", "Dissatisfied"),
    Measure("satisfied_by_default", "默认满意", "Satisfied by default"),
)
# Department marks (the department grouping adds them).
MARK_COUNTS = (
    Measure("received", "接收数", "Received"),
    Measure("returned_marks", "退回次数", "Returns"),
    Measure("reworked_marks", "返工次数", "Rework orders"),
    Measure("supervised_marks", "被督办次数", "Supervisions"),
    Measure("callin_late", "吹哨报到超时", "Late report-ins"),
    Measure("conference_missed", "联席会议未按时提出意见", "Missed conference boxes"),
)
MARK_KINDS = {
    "received": "received",
    "returned_marks": "returned",
    "reworked_marks": "reworked",
    "supervised_marks": "supervised",
    "callin_late": "callin_late",
    "conference_missed": "conference_missed",
}
# Grid worker counts.
WORKER_COUNTS = (
    Measure("reported", "上报数", "Reported"),
    Measure("valid", "有效上报数", "Valid reports"),
    Measure("major", "重大隐患上报数", "Major hazards reported"),
    Measure("verified", "核查数", "Verifications"),
    Measure("verified_on_time", "按期核查数", "Verified on time"),
)
RATES = (
    Rate("valid_report_rate", "valid", "reported", "有效上报率", "Valid-report rate"),
    Rate("closure_rate", "closed", "due_to_close", "结案率", "Closure rate"),
    Rate("on_time_closure_rate", "closed_on_time", "due_to_close", "按期结案率", "On-time closure"),
    Rate("handling_rate", "handled", "due_to_handle", "处置率", "Handling rate"),
    Rate(
        "on_time_handling_rate",
        "handled_on_time",
        "due_to_handle",
        "按期处置率",
        "On-time handling",
    ),
    Rate("rework_rate", "reworked", "due_to_close", "返工率", "Rework rate"),
    Rate("extension_rate", "extended", "due_to_handle", "延期率", "Extension rate"),
    Rate("overdue_rate", "overdue", "due_to_handle", "超期率", "Overdue rate"),
    Rate("satisfaction_rate", "satisfaction_points", "evaluated", "满意率", "Satisfaction rate"),
    Rate("return_rate", "returned_marks", "received", "退回率", "Return rate"),
    Rate(
        "on_time_verification_rate", "verified_on_time", "verified", "按期核查率", "On-time checks"
    ),
)


@dataclass(frozen=True)
class IndicatorSettings:
    """The readings a city chooses; the defaults are those documented in the catalog."""

    processes: tuple[str, ...] = ("closed_loop", "dispute_mediation", "sensor_alert")
    basically_satisfied_weight: float = 0.9
    # "satisfied": an unanswered evaluation closed by default counts as satisfied;
    # "excluded": it is no evaluation and leaves the denominator.
    satisfied_by_default: str = "satisfied"
    extended_leave_due: bool = False
    suspended_leave_due: bool = False
    max_range_days: int = 400
    reward_per_valid_report: float = 0.0
    reward_per_major_hazard: float = 0.0
    major_hazard_priority: str = "urgent"

    @classmethod
    def from_catalog(cls, raw: Mapping[str, Any]) -> IndicatorSettings:
        found = dict(raw.get("indicators", {}))
        rewards = raw.get("rewards", {})
        if "processes" in found:
            found["processes"] = tuple(found["processes"])
        return cls(
            **found,
            reward_per_valid_report=float(rewards.get("valid_report", 0)),
            reward_per_major_hazard=float(rewards.get("major_hazard", {}).get("amount", 0)),
            major_hazard_priority=rewards.get("major_hazard", {}).get("priority", "urgent"),
        )


@dataclass(frozen=True)
class Period:
    """Whole local days ``start`` … ``end`` (both included)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before (for trends)."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def period(start: date | None, end: date | None, settings: IndicatorSettings) -> Period:
    """Raises: FieldErrors naming ``from`` or ``to`` for a missing, reversed or too long
    range."""
    errors: dict[str, list[str]] = {}
    if start is None:
        errors["from"] = [Phrase("give the first day (YYYY-MM-DD)")]
    if end is None:
        errors["to"] = [Phrase("give the last day (YYYY-MM-DD)")]
    if errors:
        raise FieldErrors(errors)
    assert start is not None and end is not None
    if end < start:
        raise FieldErrors({"to": [Phrase("the last day is before the first")]})
    chosen = Period(start, end)
    if chosen.days > settings.max_range_days:
        raise FieldErrors(
            {"to": [Phrase("at most %(days)s days at once", days=settings.max_range_days)]}
        )
    return chosen


@dataclass(frozen=True)
class RateValue:
    value: float | None
    numerator: float
    denominator: int


@dataclass
class Row:
    """One row of an indicator table: counts by name, then rates computed from them."""

    key: str
    name: str
    counts: dict[str, float] = field(default_factory=dict)
    rates: dict[str, RateValue] = field(default_factory=dict)


def satisfaction_points(counts: Mapping[str, float], settings: IndicatorSettings) -> float:
    """The satisfaction rate's numerator: satisfied, basically satisfied at its weight, and
    satisfied-by-default when the setting counts it."""
    points = counts.get("satisfied", 0) + settings.basically_satisfied_weight * counts.get(
        "basically_satisfied", 0
    )
    if settings.satisfied_by_default == "satisfied":
        points += counts.get("satisfied_by_default", 0)
    return round(points, 4)


def with_rates(row: Row, settings: IndicatorSettings) -> Row:
    """Fill in every rate whose counts the row has."""
    counts = {**row.counts, "satisfaction_points": satisfaction_points(row.counts, settings)}
    for rate in RATES:
        if rate.denominator not in row.counts or rate.numerator not in counts:
            continue
        numerator, denominator = counts[rate.numerator], int(row.counts[rate.denominator])
        value = round(numerator / denominator, 4) if denominator else None
        row.rates[rate.name] = RateValue(value, numerator, denominator)
    return row


def total(rows: list[Row], key: str, name: str, settings: IndicatorSettings) -> Row:
    """The sum of the rows' counts, with its rates."""
    summed: dict[str, float] = {}
    for row in rows:
        for count, value in row.counts.items():
            summed[count] = summed.get(count, 0) + value
    return with_rates(Row(key, name, summed), settings)


def reward(counts: Mapping[str, float], settings: IndicatorSettings) -> float:
    """What a grid worker's valid reports are worth in a period (绩效奖励): a major hazard
    earns its own amount, every other valid report the basic one."""
    major = counts.get("major", 0)
    basic = counts.get("valid", 0) - major
    return round(
        basic * settings.reward_per_valid_report + major * settings.reward_per_major_hazard, 2
    )
