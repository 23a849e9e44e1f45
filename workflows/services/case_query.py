"""The case query (案件综合查询): any visible case by status, category and event code, area,
department, channel, reporter, dates, overdue and text — sorted, paged, or all of it for an
export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from workflows.adapters.models import Case
from workflows.adapters.queries import CASE_SORTS, CaseFilter, CaseReach
from workflows.domain.errors import FieldErrors, Phrase, unknown_category
from workflows.domain.permissions import Actor
from workflows.domain.statuses import CLOSED_STATUSES, STATUSES
from workflows.services.cases import visibility
from workflows.services.context import GridcaseContext

EXPORT_LIMIT = 50_000
EXPORT_BATCH = 2_000


@dataclass(frozen=True)
class CaseQuery:
    """What a person asks for; dates are local days, both ends included."""

    statuses: tuple[str, ...] = ()
    category: str | None = None
    event_code: str | None = None
    unit: str | None = None
    department: str | None = None
    channel: str | None = None
    mine: bool = False
    reporter: str | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    overdue: bool = False
    text: str | None = None
    sort: str = "reported"
    descending: bool = True


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int
    page: int
    per_page: int


def case_filter(ctx: GridcaseContext, actor: Actor, query: CaseQuery) -> CaseFilter:
    """A person's query as the filter lists and maps apply.

    Raises: FieldErrors naming each unknown value or reversed range."""
    errors: dict[str, list[str]] = {}
    catalog, directory = ctx.catalog, ctx.directory
    wrong = [s for s in query.statuses if s not in STATUSES]
    if wrong:
        errors["status"] = [Phrase("unknown status %(values)s", values=", ".join(wrong))]
    if query.category and query.category not in catalog.categories:
        errors["category"] = [unknown_category(query.category)]
    if query.event_code and query.event_code not in catalog.subclasses:
        errors["event_code"] = [Phrase("unknown event code %(code)s", code=query.event_code)]
    if query.channel and query.channel not in catalog.channels:
        errors["channel"] = [Phrase("unknown channel %(channel)s", channel=query.channel)]
    grids = None
    if query.unit:
        if query.unit not in directory or directory.get(query.unit).is_department:
            errors["unit"] = [Phrase("not an area of the org tree: %(unit)s", unit=query.unit)]
        else:
            grids = [g.key for g in directory.under(directory.get(query.unit).path, level="grid")]
    if query.department and (
        query.department not in directory or not directory.get(query.department).is_department
    ):
        errors["department"] = [Phrase("not a department: %(units)s", units=query.department)]
    if query.sort not in CASE_SORTS:
        errors["sort"] = [Phrase("sort by one of: %(choices)s", choices=", ".join(CASE_SORTS))]
    for name, start, end in (
        ("reported_to", query.reported_from, query.reported_to),
        ("closed_to", query.closed_from, query.closed_to),
    ):
        if start and end and end < start:
            errors[name] = [Phrase("the last day is before the first")]
    reporter_id = actor.user_id if query.mine else None
    if query.reporter and not query.mine:
        with ctx.uow() as uow:
            user = uow.users.by_username(query.reporter)
        if user is None:
            errors["reporter"] = [Phrase("no user %(name)s", name=query.reporter)]
        else:
            reporter_id = user.id
    if errors:
        raise FieldErrors(errors)
    return CaseFilter(
        statuses=query.statuses,
        category=query.category,
        event_code=query.event_code,
        grids=grids,
        department=query.department,
        channel=query.channel,
        reporter_id=reporter_id,
        reported_from=_start(ctx, query.reported_from),
        reported_to=_start(ctx, query.reported_to, 1),
        closed_from=_start(ctx, query.closed_from),
        closed_to=_start(ctx, query.closed_to, 1),
        overdue_at=ctx.clock.now() if query.overdue else None,
        text=(query.text or "").strip() or None,
    )


def _start(ctx: GridcaseContext, day: date | None, later: int = 0) -> datetime | None:
    """The start of a local day (``later`` days on) in UTC."""
    if day is None:
        return None
    zone = ctx.calendar.timezone
    return datetime.combine(day + timedelta(days=later), time(0), zone).astimezone(UTC)


def case_reach(ctx: GridcaseContext, actor: Actor) -> CaseReach:
    """The cases a person may see, as lists and maps select them."""
    permissions = ctx.permissions
    grids = permissions.case_grids(actor)
    return CaseReach(
        None if len(grids) == len(ctx.directory.grids()) else grids,
        actor.user_id,
        visibility(ctx, actor),
        permissions.case_departments(actor),
    )


def search(
    ctx: GridcaseContext, actor: Actor, query: CaseQuery, *, page: int = 1, per_page: int = 50
) -> CasePage:
    """The cases the actor may see that match, a page of them.

    Raises:
        FieldErrors: an unknown status, category, event code, channel, unit, department,
            reporter or sort, or a reversed date range.
    """
    flt = case_filter(ctx, actor, query)
    per_page, page = max(1, min(per_page, 200)), max(1, page)
    with ctx.uow() as uow:
        rows, total = uow.case_search.page(
            case_reach(ctx, actor),
            flt,
            CLOSED_STATUSES,
            sort=query.sort,
            descending=query.descending,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        return CasePage(rows, total, page, per_page)


def export(ctx: GridcaseContext, actor: Actor, query: CaseQuery) -> Iterator[Case]:
    """Every matching case (at most ``EXPORT_LIMIT``), read in batches for a download.

    Raises: as :func:`search`, before the first case is produced.
    """
    flt = case_filter(ctx, actor, query)
    reach = case_reach(ctx, actor)

    def rows() -> Iterator[Case]:
        for offset in range(0, EXPORT_LIMIT, EXPORT_BATCH):
            with ctx.uow() as uow:
                batch, _ = uow.case_search.page(
                    reach,
                    flt,
                    CLOSED_STATUSES,
                    sort=query.sort,
                    descending=query.descending,
                    limit=EXPORT_BATCH,
                    offset=offset,
                )
            yield from batch
            if len(batch) < EXPORT_BATCH:
                return

    return rows()
