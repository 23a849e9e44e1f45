"""Performance rewards (绩效奖励): the monthly statement of what each grid worker's valid
reports are worth, under the catalog's ``rewards`` (a valid report earns the basic amount, a
major hidden danger — a valid report of the catalog's priority — its own amount instead).

The statement is the indicators' grid-worker table of the month (who may see it, what a valid
report is and each worker's total: :func:`workflows.services.indicators.table`), with the
cases behind each worker's "valid" number listed one by one, so every line of a statement is
a report the indicators counted and the lines add up to the worker's amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.domain.indicators import IndicatorSettings, reward
from workflows.domain.org import Unit
from workflows.domain.permissions import ASSESS, Actor
from workflows.services import indicators
from workflows.services.context import GridcaseContext
from workflows.services.indicators import IndicatorRequest
from workflows.services.monthly_report import Month, parse_month, this_month

PAGE = 500


@dataclass(frozen=True)
class RewardLine:
    """One valid report and what it earns."""

    number: str
    reported_at: datetime
    category: str
    category_zh: str
    title: str
    priority: str
    major: bool
    amount: float


@dataclass(frozen=True)
class WorkerStatement:
    username: str
    name: str
    valid: int
    major: int
    amount: float
    lines: list[RewardLine]


@dataclass(frozen=True)
class RewardStatement:
    unit: Unit
    month: Month
    generated_at: datetime
    per_valid_report: float
    per_major_hazard: float
    major_priority: str
    workers: list[WorkerStatement]

    @property
    def valid(self) -> int:
        return sum(w.valid for w in self.workers)

    @property
    def major(self) -> int:
        return sum(w.major for w in self.workers)

    @property
    def amount(self) -> float:
        return round(sum(w.amount for w in self.workers), 2)


def line_amount(priority: str, settings: IndicatorSettings) -> float:
    """What one valid report of this priority earns."""
    major = priority == settings.major_hazard_priority
    return reward({"valid": 1, "major": 1 if major else 0}, settings)


def statement(
    ctx: GridcaseContext, actor: Actor, unit_key: str | None, month_text: str | None
) -> RewardStatement:
    """Every grid worker who reported or verified in ``unit_key`` (None: the actor's widest
    unit) in the month (``YYYY-MM``; None: this month), with their valid reports.

    Raises:
        FieldErrors: a malformed month or an unknown unit.
        ForbiddenError: the actor may not assess the unit.
    """
    ctx.permissions.require(actor, ASSESS, f"{actor.username} may not see reward statements")
    month = parse_month(month_text, this_month(ctx).start)
    asked = IndicatorRequest(month.start, month.end, "grid_worker", unit_key)
    table = indicators.table(ctx, actor, asked)
    asked = IndicatorRequest(month.start, month.end, "grid_worker", table.unit.key)
    settings = ctx.catalog.indicators
    workers = []
    for row in table.rows:
        lines = [_line(ctx, c, settings) for c in _valid_reports(ctx, actor, asked, row.key)]
        workers.append(
            WorkerStatement(
                username=row.key,
                name=row.name,
                valid=int(row.counts.get("valid", 0)),
                major=int(row.counts.get("major", 0)),
                amount=table.rewards.get(row.key, 0.0),
                lines=lines,
            )
        )
    return RewardStatement(
        unit=table.unit,
        month=month,
        generated_at=ctx.clock.now(),
        per_valid_report=settings.reward_per_valid_report,
        per_major_hazard=settings.reward_per_major_hazard,
        major_priority=settings.major_hazard_priority,
        workers=workers,
    )


def _valid_reports(
    ctx: GridcaseContext, actor: Actor, asked: IndicatorRequest, username: str
) -> list:
    found: list = []
    page = 1
    while True:
        behind = indicators.cases_behind(
            ctx, actor, asked, "valid", username, page=page, per_page=PAGE
        )
        found.extend(behind.cases)
        if len(found) >= behind.total or not behind.cases:
            return sorted(found, key=lambda c: (c.created_at, c.number))
        page += 1


def _line(ctx: GridcaseContext, case, settings: IndicatorSettings) -> RewardLine:
    category = ctx.catalog.categories.get(case.category)
    return RewardLine(
        number=case.number,
        reported_at=case.created_at,
        category=case.category,
        category_zh=category.name_zh if category else case.category,
        title=case.title,
        priority=case.priority,
        major=case.priority == settings.major_hazard_priority,
        amount=line_amount(case.priority, settings),
    )
