"""The monthly analysis report (月度分析报告) of a unit: the document a street office takes to
its analysis meeting. Built from the indicator tables of the month and of the month before
(:func:`workflows.services.indicators.table`, which also decides who may see it: capability
``assess`` over the unit) plus two lists the tables do not give — the supervised cases with
their outcome, and the cases still open long after they were reported.

How it reads (the page and the PDF say the same):

- every figure counts as the indicators do (DOMAIN §5, ``domain/indicators.py``): reports by
  the day they were reported, every other case count by the day the case was registered, and
  what happened to a case as of the moment the report is made;
- categories and hot spots (grids) rank by reports this month;
- departments, grids and the unit's children rank by on-time closure rate (按期结案率), then
  by cases closed on time; those with no case due to close follow, unranked;
- grid workers rank by valid reports, then by the valid-report rate;
- supervised: the cases of the month that went to supervision (the 督办数 of the totals), with
  the supervisor's last measure and where the case stands now;
- long-running: cases still open now that were reported before the month ended and more than
  ``LONG_RUNNING_DAYS`` days ago.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from workflows.adapters.report_queries import ReportQuery, Supervision
from workflows.domain.errors import FieldErrors
from workflows.domain.indicators import CASE_COUNTS, RATES, Row
from workflows.domain.org import Unit
from workflows.domain.permissions import ASSESS, Actor
from workflows.domain.statuses import is_closed
from workflows.services import indicators
from workflows.services.context import GridcaseContext
from workflows.services.indicators import IndicatorRequest, IndicatorTable

LONG_RUNNING_DAYS = 30
TOP_CATEGORIES = 8
TOP_HOT_SPOTS = 5
CASE_LIST_LIMIT = 20  # cases listed per department list and for long-running ones
# The level of the rows that break a unit down into its children.
CHILD_LEVEL = {"city": "street", "district": "street", "street": "community", "community": "grid"}
# What the overview compares with last month, in this order.
OVERVIEW_COUNTS = (
    "reported",
    "valid",
    "due_to_close",
    "closed",
    "closed_on_time",
    "overdue",
    "returned",
    "reworked",
    "extended",
    "supervised",
    "evaluated",
)
OVERVIEW_RATES = (
    "valid_report_rate",
    "closure_rate",
    "on_time_closure_rate",
    "handling_rate",
    "on_time_handling_rate",
    "rework_rate",
    "extension_rate",
    "overdue_rate",
    "satisfaction_rate",
)
RANK_RATE = "on_time_closure_rate"
# Where a supervised case stands now.
OUTCOMES = ("closed_on_time", "closed_late", "in_progress", "still_overdue")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class Month:
    year: int
    number: int

    @property
    def start(self) -> date:
        return date(self.year, self.number, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.number // 12, self.number % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.number == 1 else Month(self.year, self.number - 1)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def name_zh(self) -> str:
        return f"{self.year}年{self.number}月"

    @property
    def name_en(self) -> str:
        return self.start.strftime("%B %Y")


def parse_month(text: str | None, today: date) -> Month:
    """``YYYY-MM``; empty means the month of ``today``.

    Raises: FieldErrors naming ``month``.
    """
    if not text or not text.strip():
        return Month(today.year, today.month)
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        raise FieldErrors({"month": ["give the month as YYYY-MM"]})
    return Month(int(found.group(1)), int(found.group(2)))


def this_month(ctx: GridcaseContext) -> Month:
    today = ctx.clock.now().astimezone(ctx.calendar.timezone).date()
    return Month(today.year, today.month)


@dataclass(frozen=True)
class Figure:
    """One figure of the overview, this month against last month (a rate: its value as a
    fraction, with this month's numerator and denominator)."""

    key: str
    name_zh: str
    name_en: str
    is_rate: bool
    this: float | None
    last: float | None
    numerator: float | None = None
    denominator: int | None = None

    @property
    def change(self) -> float | None:
        """This month minus last month (for a rate, in fractions: 0.05 = 5 points)."""
        if self.this is None or self.last is None:
            return None
        return round(self.this - self.last, 4)


@dataclass(frozen=True)
class CaseLine:
    """A case as the report lists it (names in Chinese; keys for other languages)."""

    number: str
    title: str
    category: str
    category_zh: str
    priority: str
    status: str
    grid: str
    grid_zh: str
    department: str | None
    department_zh: str
    reported_at: datetime
    deadline: datetime | None
    closed_at: datetime | None
    days_open: int
    overdue: bool


@dataclass(frozen=True)
class Standing:
    """A row of a ranking: its place (None: nothing to rank it by), this month's counts and
    rates, last month's row where the report compares, and what else the ranking shows."""

    rank: int | None
    row: Row
    last: Row | None = None
    reward: float | None = None
    overdue_cases: list[CaseLine] = field(default_factory=list)
    returned_cases: list[CaseLine] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.row.key

    @property
    def name(self) -> str:
        return self.row.name

    def count(self, name: str) -> int:
        return int(self.row.counts.get(name, 0))

    def last_count(self, name: str) -> int | None:
        return None if self.last is None else int(self.last.counts.get(name, 0))

    def change(self, name: str) -> int | None:
        last = self.last_count(name)
        return None if last is None else self.count(name) - last

    def rate(self, name: str) -> float | None:
        found = self.row.rates.get(name)
        return found.value if found else None


@dataclass(frozen=True)
class SupervisedCase:
    case: CaseLine
    measure: str | None  # press | escalate | joint_conference (None: not in the journal)
    supervised_at: datetime | None
    times: int
    outcome: str  # one of OUTCOMES


@dataclass(frozen=True)
class MonthlyReport:
    unit: Unit
    month: Month
    generated_at: datetime
    by: str  # who asked (display name)
    overview: list[Figure]
    rates: list[Figure]
    categories: list[Standing]
    hot_spots: list[Standing]
    child_level: str | None
    children: list[Standing]
    departments: list[Standing]
    grids: list[Standing]
    workers: list[Standing]
    supervised: list[SupervisedCase]
    outcomes: dict[str, int]
    long_running: list[CaseLine]
    long_running_total: int
    long_running_days: int
    reward_total: float

    @property
    def reported(self) -> int:
        return int(next(f.this or 0 for f in self.overview if f.key == "reported"))


def report_units(ctx: GridcaseContext, actor: Actor) -> list[Unit]:
    """The units the actor may ask a report for: every area and department in the subtrees
    where they hold ``assess``, grids left out."""
    paths = ctx.permissions.reach(actor, ASSESS)
    return [u for u in ctx.directory.under(*paths) if u.is_department or u.level != "grid"]


def monthly_report(
    ctx: GridcaseContext, actor: Actor, unit_key: str | None, month_text: str | None
) -> MonthlyReport:
    """The report of ``unit_key`` (None: the actor's widest unit) for ``month_text``
    (``YYYY-MM``; None: this month).

    Raises:
        FieldErrors: a malformed month or an unknown unit.
        ForbiddenError: the actor may not assess the unit.
    """
    ctx.permissions.require(actor, ASSESS, f"{actor.username} may not see reports")
    month = parse_month(month_text, this_month(ctx).start)
    last_month = month.previous()

    def table(m: Month, by: str) -> IndicatorTable:
        return indicators.table(ctx, actor, IndicatorRequest(m.start, m.end, by, unit.key))

    first = indicators.table(
        ctx, actor, IndicatorRequest(month.start, month.end, "category", unit_key)
    )
    unit = first.unit
    categories, categories_last = first, table(last_month, "category")
    grids, grids_last = table(month, "grid"), table(last_month, "grid")
    departments, workers = table(month, "department"), table(month, "grid_worker")
    child_level = None if unit.is_department else CHILD_LEVEL.get(unit.level)
    children: list[Standing] = []
    if child_level:
        below, below_last = table(month, child_level), table(last_month, child_level)
        children = _ranked(below.rows, _by_key(below_last.rows))

    now = ctx.clock.now()
    request = IndicatorRequest(month.start, month.end, "category", unit.key)
    supervised_cases = _all_behind(ctx, actor, request, "supervised")
    department_request = IndicatorRequest(month.start, month.end, "department", unit.key)
    shown = [r for r in departments.rows if _shown(r, unit)]
    listed = _department_lists(ctx, actor, department_request, shown)
    with ctx.uow() as uow:
        query = ReportQuery(uow.session)
        supervisions = query.supervisions([c.number for c in supervised_cases])
        cutoff = min(
            _utc(ctx, month.end + timedelta(days=1)), now - timedelta(days=LONG_RUNNING_DAYS)
        )
        # The indicators' own scope, so that the lists cover exactly the cases counted.
        _unit, scope = indicators.assessed_scope(ctx, actor, unit.key)
        long_open, long_total = query.long_open(
            scope, ctx.catalog.indicators.processes, cutoff, limit=CASE_LIST_LIMIT
        )
        long_running = [_line(ctx, c, now) for c in long_open]
    supervised = [_supervised(ctx, c, supervisions.get(c.number), now) for c in supervised_cases]
    outcomes = {name: sum(1 for s in supervised if s.outcome == name) for name in OUTCOMES}

    this_total, last_total = categories.total, categories_last.total
    return MonthlyReport(
        unit=unit,
        month=month,
        generated_at=now,
        by=actor.display_name,
        overview=_overview(this_total, last_total),
        rates=_rates(this_total, last_total),
        categories=_top(categories.rows, _by_key(categories_last.rows), TOP_CATEGORIES),
        hot_spots=_top(grids.rows, _by_key(grids_last.rows), TOP_HOT_SPOTS),
        child_level=child_level,
        children=children,
        departments=[
            Standing(s.rank, s.row, None, None, *listed.get(s.key, ([], [])))
            for s in _ranked(shown, {})
        ],
        grids=_ranked(grids.rows, _by_key(grids_last.rows)),
        workers=_workers(workers),
        supervised=supervised,
        outcomes=outcomes,
        long_running=long_running,
        long_running_total=long_total,
        long_running_days=LONG_RUNNING_DAYS,
        reward_total=round(sum(workers.rewards.values()), 2),
    )


def _utc(ctx: GridcaseContext, day: date) -> datetime:
    return datetime.combine(day, time(0), ctx.calendar.timezone).astimezone(UTC)


def _by_key(rows: Iterable[Row]) -> dict[str, Row]:
    return {r.key: r for r in rows}


def _shown(row: Row, unit: Unit) -> bool:
    """A department row with something to show; a department's own report shows only its
    own row (the indicators' department table also lists the marks other departments left
    on the cases that ended with this one)."""
    if unit.is_department and row.key != unit.key:
        return False
    return any(row.counts.get(n, 0) for n in ("due_to_close", "received", "returned_marks"))


def _overview(this: Row, last: Row) -> list[Figure]:
    names = {m.name: m for m in CASE_COUNTS}
    figures = [
        Figure(n, names[n].zh, names[n].en, False, this.counts.get(n, 0), last.counts.get(n, 0))
        for n in OVERVIEW_COUNTS
    ]
    figures.append(
        Figure(
            "closing_hours",
            "平均结案用时（小时）",
            "Average hours to close",
            False,
            _average_hours(this),
            _average_hours(last),
        )
    )
    return figures


def _average_hours(row: Row) -> float | None:
    closed = row.counts.get("closed", 0)
    return round(row.counts.get("closing_hours", 0) / closed, 1) if closed else None


def _rates(this: Row, last: Row) -> list[Figure]:
    names = {r.name: r for r in RATES}
    found = []
    for n in OVERVIEW_RATES:
        now, before = this.rates.get(n), last.rates.get(n)
        if now is None:
            continue
        found.append(
            Figure(
                n,
                names[n].zh,
                names[n].en,
                True,
                now.value,
                before.value if before else None,
                now.numerator,
                now.denominator,
            )
        )
    return found


def _top(rows: list[Row], last: dict[str, Row], limit: int) -> list[Standing]:
    """The rows with the most reports this month (none with no report); a row last month's
    table does not have counted nothing then."""
    reported = [r for r in rows if r.counts.get("reported", 0) > 0]
    reported.sort(key=lambda r: (-r.counts.get("reported", 0), r.key))
    return [
        Standing(i + 1, r, last.get(r.key) or Row(r.key, r.name))
        for i, r in enumerate(reported[:limit])
    ]


def _ranked(rows: list[Row], last: dict[str, Row]) -> list[Standing]:
    """Rows with cases due to close by on-time closure rate, then on-time closures (ties
    share a place); then the others, by reports, without a place."""

    def rate(r: Row) -> float | None:
        found = r.rates.get(RANK_RATE)
        return found.value if found else None

    rated = [r for r in rows if rate(r) is not None]
    others = [r for r in rows if rate(r) is None]
    rated.sort(key=lambda r: (-(rate(r) or 0), -r.counts.get("closed_on_time", 0), r.key))
    others.sort(key=lambda r: (-r.counts.get("reported", 0), r.key))
    return _placed(rated, lambda r: (rate(r), r.counts.get("closed_on_time", 0)), last) + [
        Standing(None, r, last.get(r.key)) for r in others
    ]


def _placed(rows: list[Row], score: Callable[[Row], Any], last: dict[str, Row]) -> list[Standing]:
    """Competition places (1, 2, 2, 4) over rows already in order."""
    found: list[Standing] = []
    for i, row in enumerate(rows):
        same = found and score(rows[i - 1]) == score(row)
        place = found[-1].rank if same else i + 1
        found.append(Standing(place, row, last.get(row.key)))
    return found


def _workers(found: IndicatorTable) -> list[Standing]:
    def score(r: Row) -> tuple[int, float]:
        rate = r.rates.get("valid_report_rate")
        return int(r.counts.get("valid", 0)), (rate.value or 0) if rate else 0

    rows = sorted(found.rows, key=lambda r: (-score(r)[0], -score(r)[1], r.key))
    placed = _placed(rows, score, {})
    return [Standing(s.rank, s.row, None, found.rewards.get(s.key, 0.0)) for s in placed]


def _all_behind(
    ctx: GridcaseContext,
    actor: Actor,
    request: IndicatorRequest,
    measure: str,
    key: str | None = None,
) -> list[Any]:
    """Every case behind one number of a table (read page by page)."""
    cases: list[Any] = []
    page = 1
    while True:
        found = indicators.cases_behind(ctx, actor, request, measure, key, page=page, per_page=500)
        cases.extend(found.cases)
        if len(cases) >= found.total or not found.cases:
            return cases
        page += 1


def _department_lists(
    ctx: GridcaseContext, actor: Actor, request: IndicatorRequest, rows: list[Row]
) -> dict[str, tuple[list[CaseLine], list[CaseLine]]]:
    """Per department with any: its overdue cases and the cases it returned this month."""
    now = ctx.clock.now()
    found: dict[str, tuple[list[CaseLine], list[CaseLine]]] = {}
    for row in rows:
        lists: list[list[CaseLine]] = []
        for measure in ("overdue", "returned_marks"):
            if not row.counts.get(measure, 0):
                lists.append([])
                continue
            behind = indicators.cases_behind(
                ctx, actor, request, measure, row.key, per_page=CASE_LIST_LIMIT
            )
            lists.append([_line(ctx, c, now) for c in behind.cases])
        found[row.key] = (lists[0], lists[1])
    return found


def _line(ctx: GridcaseContext, case: Any, now: datetime) -> CaseLine:
    directory, catalog = ctx.directory, ctx.catalog

    def name(key: str | None) -> str:
        return directory.get(key).name_zh if key and key in directory else (key or "")

    category = catalog.categories.get(case.category)
    end = case.closed_at if is_closed(case.status) and case.closed_at else now
    return CaseLine(
        number=case.number,
        title=case.title,
        category=case.category,
        category_zh=category.name_zh if category else case.category,
        priority=case.priority,
        status=case.status,
        grid=case.grid_key,
        grid_zh=name(case.grid_key),
        department=case.department_key,
        department_zh=name(case.department_key),
        reported_at=case.created_at,
        deadline=case.deadline,
        closed_at=case.closed_at,
        days_open=max(0, (end - case.created_at).days),
        overdue=_late(case, now),
    )


def _late(case: Any, now: datetime) -> bool:
    """Past its deadline: handled (or closed) after it, or still not handled now."""
    if case.deadline is None:
        return False
    done = case.handled_at or (case.closed_at if is_closed(case.status) else None)
    return (done or now) > case.deadline


def _supervised(
    ctx: GridcaseContext, case: Any, supervision: Supervision | None, now: datetime
) -> SupervisedCase:
    line = _line(ctx, case, now)
    if is_closed(case.status):
        outcome = "closed_late" if line.overdue else "closed_on_time"
    else:
        outcome = "still_overdue" if line.overdue else "in_progress"
    return SupervisedCase(
        case=line,
        measure=supervision.measure if supervision else None,
        supervised_at=supervision.at if supervision else None,
        times=supervision.times if supervision else 0,
        outcome=outcome,
    )
