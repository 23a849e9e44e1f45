"""The map (地图): the grids of an area drawn with the density of the matching cases, and the
cases as points — with the case query's filters and its rule of who may see which case
(:mod:`workflows.services.case_query`), over the boundaries of the org tree.

A case without coordinates is placed at its grid's centre (``approximate``); one whose grid
has no centre either is counted as ``unplaced``.
"""

from __future__ import annotations

from dataclasses import dataclass
from posixpath import commonpath
from typing import Any

from workflows.adapters.map_queries import CasePlace, MapQuery
from workflows.domain.errors import ForbiddenError
from workflows.domain.org import Unit
from workflows.domain.permissions import Actor
from workflows.domain.statuses import CLOSED_STATUSES
from workflows.services.care_visits import care_grids
from workflows.services.case_query import CaseQuery, case_filter, case_reach
from workflows.services.cases import may_see
from workflows.services.context import GridcaseContext

MAP_LIMIT = 5_000


@dataclass(frozen=True)
class Area:
    """A unit on the map: its outline (GeoJSON geometry or None) and the matching cases in
    it that the person may see."""

    unit: Unit
    boundary: dict[str, Any] | None
    cases: int
    overdue: int
    # Care visits of the key-person register past due in the grid: a count, never a person,
    # and only for those who keep the register or assess the grid.
    care_overdue: int = 0


@dataclass(frozen=True)
class Point:
    number: str
    title: str
    status: str
    category: str
    alert_level: str
    overdue: bool
    grid_key: str
    lat: float
    lon: float
    approximate: bool  # placed at the grid's centre: the case has no coordinates


@dataclass(frozen=True)
class Points:
    points: list[Point]
    total: int  # every matching case, also those beyond the limit
    unplaced: int  # neither the case nor its grid has coordinates

    @property
    def truncated(self) -> bool:
        return self.total > len(self.points) + self.unplaced


@dataclass(frozen=True)
class Summary:
    total: int
    overdue: int


@dataclass(frozen=True)
class CaseMap:
    """One case's place for its page: its point (None when nothing has coordinates) and its
    grid."""

    point: Point | None
    grid: Area


def summary(ctx: GridcaseContext, actor: Actor, query: CaseQuery) -> Summary:
    """How many matching cases the person may see, and how many of them are overdue.

    Raises: FieldErrors, as the case query.
    """
    flt = case_filter(ctx, actor, query)
    with ctx.uow() as uow:
        counts = MapQuery(uow.session).density(
            case_reach(ctx, actor), flt, CLOSED_STATUSES, ctx.clock.now()
        )
    return Summary(sum(n for n, _ in counts.values()), sum(late for _, late in counts.values()))


def areas(ctx: GridcaseContext, actor: Actor, query: CaseQuery) -> list[Area]:
    """The grids the person watches (a case role reaches them) or has a matching case in,
    within ``query.unit`` when given, each with its matching cases; and, with their sums, the
    units above them that have a boundary, up to the narrowest unit holding them all.
    Ordered by the tree.

    Raises: FieldErrors, as the case query.
    """
    flt = case_filter(ctx, actor, query)
    directory = ctx.directory
    top = directory.get(query.unit).path if query.unit else "/"
    with ctx.uow() as uow:
        maps = MapQuery(uow.session)
        counts = maps.density(case_reach(ctx, actor), flt, CLOSED_STATUSES, ctx.clock.now())
        grids = {
            key
            for key in set(ctx.permissions.case_grids(actor)) | set(counts)
            if key in directory and directory.get(key).path.startswith(top)
        }
        totals: dict[str, tuple[int, int]] = {}
        for key in grids:  # each grid's counts go to it and every unit above it, up to top
            n, late = counts.get(key, (0, 0))
            unit: Unit | None = directory.get(key)
            while unit is not None and unit.path.startswith(top):
                had = totals.get(unit.key, (0, 0))
                totals[unit.key] = (had[0] + n, had[1] + late)
                unit = directory.parent(unit.key)
        # Outlines above the narrowest unit holding every grid would only frame empty space.
        paths = [directory.get(key).path for key in grids]
        common = commonpath(paths).rstrip("/") + "/" if paths else "/"
        boundaries = maps.boundaries(totals)
        care = uow.key_persons.overdue_by_grid(care_grids(ctx, actor), uow.now())
    shown = sorted((directory.get(k) for k in totals), key=lambda u: u.path)
    return [
        Area(unit, boundaries.get(unit.key), *totals[unit.key], care.get(unit.key, 0))
        for unit in shown
        if unit.path.startswith(common) and (unit.level == "grid" or boundaries.get(unit.key))
    ]


def points(
    ctx: GridcaseContext, actor: Actor, query: CaseQuery, *, limit: int = MAP_LIMIT
) -> Points:
    """The matching cases the person may see, at most ``limit`` of them in the query's
    order (newest first by default).

    Raises: FieldErrors, as the case query.
    """
    flt = case_filter(ctx, actor, query)
    with ctx.uow() as uow:
        places, total = MapQuery(uow.session).points(
            case_reach(ctx, actor),
            flt,
            CLOSED_STATUSES,
            ctx.clock.now(),
            sort=query.sort,
            descending=query.descending,
            limit=max(0, min(limit, MAP_LIMIT)),
        )
    found = [p for p in (_point(ctx, place) for place in places) if p is not None]
    return Points(found, total, len(places) - len(found))


def case_map(ctx: GridcaseContext, actor: Actor, number: str) -> CaseMap:
    """A case's point and its grid's outline.

    Raises: NotFoundError; ForbiddenError when the actor may not see the case.
    """
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        if not may_see(ctx, uow, actor, case):
            raise ForbiddenError(f"{actor.username} may not see case {number}")
        maps = MapQuery(uow.session)
        place = maps.place(case.id, CLOSED_STATUSES, ctx.clock.now())
        boundary = maps.boundaries([case.grid_key]).get(case.grid_key)
    grid = Area(ctx.directory.get(place.grid_key), boundary, 1, int(place.overdue))
    return CaseMap(_point(ctx, place), grid)


def _point(ctx: GridcaseContext, place: CasePlace) -> Point | None:
    lat, lon, approximate = place.lat, place.lon, False
    if lat is None or lon is None:
        grid = ctx.directory.get(place.grid_key) if place.grid_key in ctx.directory else None
        lat, lon, approximate = (grid.lat, grid.lon, True) if grid else (None, None, True)
    if lat is None or lon is None:
        return None
    return Point(
        place.number,
        place.title,
        place.status,
        place.category,
        place.alert_level,
        place.overdue,
        place.grid_key,
        lat,
        lon,
        approximate,
    )


def grid_outlines(ctx: GridcaseContext) -> list[dict[str, object]]:
    """Every grid's key, name and boundary, for a map to pick a place on (the hotline
    desk, the residents' report page)."""
    return [
        {"key": g.key, "name": g.name_zh, "boundary": g.boundary}
        for g in ctx.directory.grids()
        if g.boundary
    ]
