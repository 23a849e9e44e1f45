"""Which reports lie near each other: a cell key the database can index, and the metres
between two points.

Cells are 0.001° × 0.001° (about 111 m north–south and 96 m east–west at 30° N), keyed
``"<row>:<column>"``; the cells around a point out to a distance are few (nine for 50 m),
so "near and recent" is an indexed ``IN`` over cells and a date, then an exact distance.
"""

from __future__ import annotations

import math

CELL_DEGREES = 0.001
METRES_PER_DEGREE = 111_320.0
EARTH_RADIUS_M = 6_371_008.8


def cell(lat: float, lon: float) -> str:
    return f"{math.floor(lat / CELL_DEGREES)}:{math.floor(lon / CELL_DEGREES)}"


def cells_around(lat: float, lon: float, metres: float) -> list[str]:
    """Every cell that holds a point within ``metres`` of the given one."""
    row, column = math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)
    rows = math.ceil(metres / METRES_PER_DEGREE / CELL_DEGREES)
    across = METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)
    columns = math.ceil(metres / across / CELL_DEGREES)
    return [
        f"{r}:{c}"
        for r in range(row - rows, row + rows + 1)
        for c in range(column - columns, column + columns + 1)
    ]


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
