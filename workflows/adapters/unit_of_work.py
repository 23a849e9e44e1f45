"""The unit of work for domain use cases: the engine's repositories plus the domain's."""

from __future__ import annotations

from engine.uow import UnitOfWork
from workflows.adapters.dashboard_queries import DashboardQuery
from workflows.adapters.indicator_queries import IndicatorQuery
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
    def __enter__(self) -> CaseUnitOfWork:
        super().__enter__()
        self.units = UnitRepository(self.session)
        self.users = UserRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.inbox = InboxQuery(self.session)
        self.notifications = NotificationRepository(self.session)
        self.extensions = ExtensionRepository(self.session)
        self.assessment = AssessmentRepository(self.session)
        self.attachments = AttachmentRepository(self.session)
        self.console = ConsoleQuery(self.session)
        self.indicators = IndicatorQuery(self.session)
        self.dashboard = DashboardQuery(self.session)
        self.case_search = CaseSearch(self.session)
        self.substitutions = SubstitutionRepository(self.session)
        return self
