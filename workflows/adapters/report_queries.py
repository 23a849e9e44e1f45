"""Read-only queries of the monthly report that the indicator queries do not answer: what a
supervisor decided on each supervised case (from the audit journal) and the cases still open
long after they were reported (长期未结). Cases are chosen by the same :class:`Scope` as the
indicators, so the report's lists cover exactly the area its numbers count."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine.models import JournalEntry
from workflows.adapters.indicator_predicates import Scope
from workflows.adapters.models import Case
from workflows.domain.statuses import CLOSED_STATUSES

SUPERVISION_STEP = "supervise"


@dataclass(frozen=True)
class Supervision:
    """The last supervision decision on a case: the measure (``press``, ``escalate``,
    ``joint_conference``), when, by whom, and how many times the case was supervised."""

    measure: str | None
    at: datetime
    by: str
    times: int


class ReportQuery:
    def __init__(self, session: Session):
        self.session = session

    def supervisions(self, numbers: Collection[str]) -> dict[str, Supervision]:
        """The completed supervision steps of these cases, the latest per case."""
        if not numbers:
            return {}
        j = JournalEntry
        stmt = (
            select(j.business_key, j.at, j.actor, j.payload)
            .where(
                j.business_key.in_(list(numbers)),
                j.action == "completed",
                j.element_id == SUPERVISION_STEP,
            )
            .order_by(j.at, j.id)
        )
        found: dict[str, Supervision] = {}
        for key, at, actor, payload in self.session.execute(stmt):
            times = found[key].times + 1 if key in found else 1
            found[key] = Supervision((payload or {}).get("decision"), at, actor, times)
        return found

    def long_open(
        self,
        scope: Scope,
        processes: Collection[str],
        reported_before: datetime,
        *,
        limit: int,
    ) -> tuple[Sequence[Case], int]:
        """Cases of the scope still open that were reported before ``reported_before``,
        oldest first (at most ``limit``), and how many there are in all."""
        condition = and_(
            scope.clause(),
            Case.process_id.in_(list(processes)),
            Case.status.not_in(list(CLOSED_STATUSES)),
            Case.created_at < reported_before,
        )
        base = select(Case).where(condition)
        total = self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = self.session.scalars(base.order_by(Case.created_at, Case.id).limit(limit)).all()
        return rows, total
