"""An in-memory view of the org tree, loaded once per process from ``org_units``.

The tree changes rarely (an administrator re-seeds it); lookups happen on every task, so
they must not cost a query.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import prep

from workflows.domain.errors import NotFoundError

LEVELS = ("city", "district", "street", "community", "grid")


@dataclass(frozen=True)
class Unit:
    key: str
    kind: str
    level: str
    name_zh: str
    name_en: str
    parent_key: str | None
    path: str
    lat: float | None = None
    lon: float | None = None
    categories: tuple[str, ...] = field(default=())
    # GeoJSON geometry (Polygon or MultiPolygon, positions [lon, lat]) of the unit's area.
    boundary: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def is_department(self) -> bool:
        return self.kind == "department"


def unit_path(parent_path: str | None, key: str) -> str:
    """Materialized path of a unit under a parent (``/`` for the root's parent)."""
    return f"{parent_path or '/'}{key}/"


class OrgDirectory:
    """Lookups over the org tree: parents, ancestors at a level, departments, nearest grid."""

    def __init__(self, units: Iterable[Unit]):
        self.replace(units)

    def replace(self, units: Iterable[Unit]) -> None:
        """Swap in a fresh snapshot (after seeding or an org change)."""
        self._units = {u.key: u for u in units}
        self._areas = [
            (u, prep(shape(u.boundary)))
            for u in self._units.values()
            if u.level == "grid" and not u.is_department and u.boundary
        ]

    def __contains__(self, key: object) -> bool:
        return key in self._units

    def get(self, key: str) -> Unit:
        """Raises: NotFoundError for an unknown key."""
        try:
            return self._units[key]
        except KeyError:
            raise NotFoundError(f"unknown org unit {key!r}") from None

    def all(self) -> list[Unit]:
        return sorted(self._units.values(), key=lambda u: u.path)

    def parent(self, key: str) -> Unit | None:
        parent_key = self.get(key).parent_key
        return self._units.get(parent_key) if parent_key else None

    def ancestor_at(self, key: str, level: str) -> Unit:
        """The unit itself or its nearest ancestor at ``level``.

        Raises:
            NotFoundError: no unit at that level above ``key``.
        """
        unit: Unit | None = self.get(key)
        while unit is not None:
            if unit.level == level and not unit.is_department:
                return unit
            unit = self._units.get(unit.parent_key) if unit.parent_key else None
        raise NotFoundError(f"no {level} above {key}")

    def ancestor_key_at(self, key: str, level: str) -> str | None:
        """The key of :meth:`ancestor_at`, or None when there is no unit at that level."""
        try:
            return self.ancestor_at(key, level).key
        except NotFoundError:
            return None

    def territory_of(self, key: str) -> Unit:
        """A department's parent territory, or the unit itself."""
        unit = self.get(key)
        while unit.is_department and unit.parent_key:
            unit = self.get(unit.parent_key)
        return unit

    def children(self, key: str, kind: str | None = None) -> list[Unit]:
        return [u for u in self.all() if u.parent_key == key and (kind is None or u.kind == kind)]

    def grids(self) -> list[Unit]:
        return [u for u in self.all() if u.level == "grid" and not u.is_department]

    def under(self, *paths: str, level: str | None = None) -> list[Unit]:
        """The units at or below any of these paths, in path order; with ``level``, only
        the areas at that level (not departments)."""
        return [
            u
            for u in self.all()
            if u.path.startswith(paths)
            and (level is None or (u.level == level and not u.is_department))
        ]

    @property
    def has_boundaries(self) -> bool:
        """Whether the grids are drawn (then a point belongs to the grid it lies in)."""
        return bool(self._areas)

    def grid_at(self, lat: float, lon: float) -> Unit | None:
        """The grid whose boundary holds the point; None when it lies outside every grid."""
        point = Point(lon, lat)
        return next((unit for unit, area in self._areas if area.covers(point)), None)

    def nearest_grid(self, lat: float, lon: float) -> Unit:
        """The grid whose centre is closest to a point (grids without a centre are skipped).

        Raises:
            NotFoundError: no grid has a centre.
        """
        placed = [g for g in self.grids() if g.lat is not None and g.lon is not None]
        if not placed:
            raise NotFoundError("no grid has coordinates")
        return min(placed, key=lambda g: math.dist((g.lat, g.lon), (lat, lon)))
