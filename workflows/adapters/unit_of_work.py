"""The unit of work for domain use cases: the engine's repositories plus the domain's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from engine.clock import Clock
from engine.uow import UnitOfWork
from workflows.adapters.actor_cache import AUTH_ROWS, ActorCache
from workflows.adapters.care_repository import KeyPersonRepository
from workflows.adapters.dashboard_queries import DashboardQuery
from workflows.adapters.indicator_queries import IndicatorQuery
from workflows.adapters.indicator_rollup import ChangedBuckets, RollupSpec, note_pending
from workflows.adapters.order_repository import OrderRepository
from workflows.adapters.queries import CaseSearch, ConsoleQuery, InboxQuery
from workflows.adapters.repositories import (
    AssessmentRepository,
    AttachmentRepository,
    CaseRepository,
    ExtensionRepository,
    NotificationRepository,
    SubstitutionRepository,
    UnitRepository,
    UserRepository,
)


class CaseUnitOfWork(UnitOfWork):
    """Also keeps the indicator roll-up: the buckets this transaction's case changes touch
    are noted as pending just before it commits (see ``indicator_rollup``)."""

    def __init__(
        self,
        session_factory: sessionmaker,
        clock: Clock | None = None,
        rollup: RollupSpec | None = None,
        actors: ActorCache | None = None,
    ):
        super().__init__(session_factory, clock)
        self.rollup = rollup
        self.actors = actors
        self._auth_changed = False

    def __enter__(self) -> CaseUnitOfWork:
        super().__enter__()
        if self.rollup is not None:
            self._changed = ChangedBuckets(self.rollup)
            event.listen(self.session, "after_flush", self._changed.after_flush)
        if self.actors is not None:
            event.listen(self.session, "after_flush", self._watch_auth)
        self.units = UnitRepository(self.session)
        self.users = UserRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.inbox = InboxQuery(self.session)
        self.notifications = NotificationRepository(self.session)
        self.extensions = ExtensionRepository(self.session)
        self.assessment = AssessmentRepository(self.session)
        self.attachments = AttachmentRepository(self.session)
        self.console = ConsoleQuery(self.session)
        self.indicators = IndicatorQuery(self.session, self.rollup)
        self.dashboard = DashboardQuery(self.session, self.rollup)
        self.case_search = CaseSearch(self.session)
        self.substitutions = SubstitutionRepository(self.session)
        self.orders = OrderRepository(self.session)
        self.key_persons = KeyPersonRepository(self.session)
        return self

    def commit(self) -> None:
        if self.rollup is not None:
            self.flush()
            changed = self._changed.take()
            if changed:
                note_pending(self.session, changed)
        super().commit()
        if self._auth_changed and self.actors is not None:
            self.actors.clear()
        self._auth_changed = False

    def _watch_auth(self, session: Any, _context: Any) -> None:
        rows = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(row, AUTH_ROWS) for row in rows):
            self._auth_changed = True
