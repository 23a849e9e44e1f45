"""Possible duplicates (疑似重复): open cases of the same category or event code reported near
and shortly before or after a case, for its reviewer to compare and merge (并单).

Merging is the review's own decision ``merge`` with ``duplicate_of``; the merged case closes
as ``merged``, counts once in the indicators (a merged report is not a valid one), and its
reporter is told and may follow the surviving case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from workflows.adapters.models import Attachment, Case
from workflows.domain.nearby import cells_around, metres_between
from workflows.domain.permissions import Actor
from workflows.domain.statuses import CLOSED_STATUSES
from workflows.services.cases import may_see, visible_case
from workflows.services.context import GridcaseContext


@dataclass(frozen=True)
class Candidate:
    case: Case
    metres: float | None  # None: no coordinates on one side (same grid)
    photos: Sequence[Attachment]
    may_see: bool  # the viewer may open the case itself


def candidates(ctx: GridcaseContext, actor: Actor, number: str) -> list[Candidate]:
    """Nearest first; the viewer must see the case they compare.

    Raises: NotFoundError; ForbiddenError when the actor may not see the case.
    """
    settings = ctx.catalog.duplicates
    with ctx.uow() as uow:
        case = visible_case(ctx, uow, actor, number)
        window = timedelta(days=settings.days)
        placed = case.lat is not None and case.lon is not None
        cells = cells_around(case.lat, case.lon, settings.distance_m) if placed else None
        found: list[Candidate] = []
        for other in uow.cases.near(case, cells, case.created_at - window, CLOSED_STATUSES):
            metres = None
            if placed and other.lat is not None and other.lon is not None:
                metres = metres_between(case.lat, case.lon, other.lat, other.lon)
                if metres > settings.distance_m:
                    continue
            elif placed:
                continue
            visible = may_see(ctx, uow, actor, other)
            photos = uow.attachments.for_case(other.id) if visible else []
            found.append(Candidate(other, metres, photos, visible))
        return sorted(found, key=lambda c: (c.metres is None, c.metres or 0.0))
