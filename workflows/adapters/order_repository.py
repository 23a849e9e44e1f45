"""Reading and writing the volunteer order pool inside a unit of work.

Places on an order are taken and given back with conditional updates of its ``claimed``
count, so that on PostgreSQL two transactions taking the last place queue on the order's
row and the second finds it full, and on SQLite the write lock does the same.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import TaskRecord
from workflows.adapters.models import OrgUnit, User
from workflows.adapters.order_models import OrderClaim, ServiceOrder, VolunteerProfile
from workflows.domain.errors import ConflictError, NotFoundError, Phrase

# Business keys of the order instances: ``order-<id>``.
KEY_PREFIX = "order-"


@dataclass(frozen=True)
class PostedRow:
    """The orders one community (or street) posted in a period."""

    unit_key: str
    posted: int
    filled: int
    escalated: int
    done: int
    hours: float


@dataclass(frozen=True)
class RankedRow:
    """One member or branch in a ranking of confirmed service."""

    key: str
    name: str
    branch: str
    home_unit_key: str | None
    services: int
    hours: float
    points: float


@dataclass(frozen=True)
class ServiceLine:
    """One confirmed (or claimed) service of a member, for records and exports."""

    claim: OrderClaim
    order: ServiceOrder
    username: str
    display_name: str


class OrderRepository:
    def __init__(self, session: Session):
        self.session = session

    # Profiles ----------------------------------------------------------------------------
    def profile_of(self, user_id: int) -> VolunteerProfile | None:
        stmt = select(VolunteerProfile).where(VolunteerProfile.user_id == user_id)
        return self.session.scalars(stmt).first()

    def add_profile(self, profile: VolunteerProfile) -> None:
        self.session.add(profile)
        self.session.flush()

    def profiles(self, unit_paths: Collection[str]) -> Sequence[tuple[VolunteerProfile, User]]:
        """Members living under any of the units (by path), by community then name."""
        stmt = (
            select(VolunteerProfile, User)
            .join(User, User.id == VolunteerProfile.user_id)
            .join(OrgUnit, OrgUnit.key == VolunteerProfile.home_unit_key)
            .where(_under(OrgUnit.path, unit_paths))
            .order_by(VolunteerProfile.home_unit_key, User.username)
        )
        return [(p, u) for p, u in self.session.execute(stmt)]

    # Orders ------------------------------------------------------------------------------
    def add(self, order: ServiceOrder) -> None:
        self.session.add(order)
        self.session.flush()

    def get(self, order_id: int) -> ServiceOrder:
        found = self.session.get(ServiceOrder, order_id)
        if found is None:
            raise NotFoundError(Phrase("no such order"))
        return found

    def by_instance(self, instance_id: int) -> ServiceOrder:
        stmt = select(ServiceOrder).where(ServiceOrder.instance_id == instance_id)
        found = self.session.scalars(stmt).first()
        if found is None:
            raise NotFoundError(f"no order for instance {instance_id}")
        return found

    def open_in(self, district_key: str, now: datetime) -> Sequence[ServiceOrder]:
        """Orders of a district members may still sign up for."""
        stmt = select(ServiceOrder).where(
            ServiceOrder.district_key == district_key,
            ServiceOrder.stage.in_(("open", "escalated", "arranged")),
            ServiceOrder.claim_deadline > now,
        )
        return self.session.scalars(stmt).all()

    def posted_under(self, unit_paths: Collection[str], limit: int = 200) -> list[ServiceOrder]:
        """Orders posted by units under any of the paths, the newest first."""
        stmt = (
            select(ServiceOrder)
            .join(OrgUnit, OrgUnit.key == ServiceOrder.unit_key)
            .where(_under(OrgUnit.path, unit_paths))
            .order_by(ServiceOrder.starts_at.desc(), ServiceOrder.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def take_place(self, order_id: int, now: datetime) -> bool:
        """Count one more claim unless the order is full, past its deadline or no longer
        taking claims; whether the place was taken."""
        stmt = (
            update(ServiceOrder)
            .where(
                ServiceOrder.id == order_id,
                ServiceOrder.claimed < ServiceOrder.needed,
                ServiceOrder.claim_deadline > now,
                ServiceOrder.stage.in_(("open", "escalated", "arranged")),
            )
            .values(claimed=ServiceOrder.claimed + 1)
            .execution_options(synchronize_session=False)
        )
        taken = self.session.execute(stmt).rowcount == 1
        self._reread(order_id)
        return taken

    def give_back_place(self, order_id: int) -> None:
        stmt = (
            update(ServiceOrder)
            .where(ServiceOrder.id == order_id, ServiceOrder.claimed > 0)
            .values(claimed=ServiceOrder.claimed - 1)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(stmt)
        self._reread(order_id)

    def _reread(self, order_id: int) -> None:
        order = self.session.get(ServiceOrder, order_id)
        if order is not None:
            self.session.refresh(order)

    # Claims ------------------------------------------------------------------------------
    def claim_of(self, order_id: int, volunteer_id: int) -> OrderClaim | None:
        stmt = select(OrderClaim).where(
            OrderClaim.order_id == order_id, OrderClaim.volunteer_id == volunteer_id
        )
        return self.session.scalars(stmt).first()

    def switch_claim(self, claim: OrderClaim, from_state: str, to_state: str, at: datetime) -> bool:
        """Move a claim between ``claimed`` and ``withdrawn`` unless someone (the same member
        clicking twice) moved it first: the conditional update queues a second transaction on
        the row and then finds nothing to change. Whether this one moved it."""
        withdrawn_at = at if to_state == "withdrawn" else None
        values: dict[str, object] = {"state": to_state, "withdrawn_at": withdrawn_at}
        if to_state == "claimed":
            values["claimed_at"] = at
        stmt = (
            update(OrderClaim)
            .where(OrderClaim.id == claim.id, OrderClaim.state == from_state)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        moved = self.session.execute(stmt).rowcount == 1
        self.session.refresh(claim)
        return moved

    def add_claim(self, claim: OrderClaim) -> None:
        """Raises: ConflictError when the member claimed this order at the same moment."""
        self.session.add(claim)
        try:
            self.session.flush()
        except IntegrityError as err:
            raise ConflictError(Phrase("you have already signed up for this order")) from err

    def claims(self, order_id: int, live_only: bool = True) -> list[tuple[OrderClaim, User]]:
        """The members on an order (with their accounts), in the order they claimed."""
        stmt = (
            select(OrderClaim, User)
            .join(VolunteerProfile, VolunteerProfile.id == OrderClaim.volunteer_id)
            .join(User, User.id == VolunteerProfile.user_id)
            .where(OrderClaim.order_id == order_id)
            .order_by(OrderClaim.claimed_at, OrderClaim.id)
        )
        if live_only:
            stmt = stmt.where(OrderClaim.state == "claimed")
        return [(c, u) for c, u in self.session.execute(stmt)]

    def claims_of_member(self, volunteer_id: int) -> list[tuple[OrderClaim, ServiceOrder]]:
        """A member's claims (withdrawn ones too) with their orders, the latest first."""
        stmt = (
            select(OrderClaim, ServiceOrder)
            .join(ServiceOrder, ServiceOrder.id == OrderClaim.order_id)
            .where(OrderClaim.volunteer_id == volunteer_id)
            .order_by(ServiceOrder.starts_at.desc())
        )
        return [(c, o) for c, o in self.session.execute(stmt)]

    def claimed_order_ids(self, volunteer_id: int) -> set[int]:
        stmt = select(OrderClaim.order_id).where(
            OrderClaim.volunteer_id == volunteer_id, OrderClaim.state == "claimed"
        )
        return set(self.session.scalars(stmt))

    # Records and rankings ----------------------------------------------------------------
    def _served(self, unit_paths: Collection[str], start: datetime | None, end: datetime | None):
        conditions = [OrderClaim.served.is_(True), _under(OrgUnit.path, unit_paths)]
        if start is not None:
            conditions.append(OrderClaim.confirmed_at >= start)
        if end is not None:
            conditions.append(OrderClaim.confirmed_at < end)
        return and_(*conditions)

    def posted_by_unit(
        self, unit_paths: Collection[str], start: datetime, end: datetime
    ) -> list[PostedRow]:
        """Per posting unit (community or street) under the units, of the orders posted in
        ``[start, end)``: how many, filled, escalated, served; and the hours served on them."""
        served_hours = (
            select(func.coalesce(func.sum(OrderClaim.hours), 0))
            .where(OrderClaim.order_id == ServiceOrder.id, OrderClaim.served.is_(True))
            .correlate(ServiceOrder)
            .scalar_subquery()
        )
        stmt = (
            select(
                ServiceOrder.unit_key,
                func.count(ServiceOrder.id),
                func.sum(sql_case((ServiceOrder.claimed >= ServiceOrder.needed, 1), else_=0)),
                func.sum(sql_case((ServiceOrder.escalated_at.is_not(None), 1), else_=0)),
                func.sum(sql_case((ServiceOrder.done_at.is_not(None), 1), else_=0)),
                func.sum(served_hours),
            )
            .join(OrgUnit, OrgUnit.key == ServiceOrder.unit_key)
            .where(
                _under(OrgUnit.path, unit_paths),
                ServiceOrder.created_at >= start,
                ServiceOrder.created_at < end,
            )
            .group_by(ServiceOrder.unit_key)
            .order_by(ServiceOrder.unit_key)
        )
        return [
            PostedRow(unit, n, filled or 0, escalated or 0, done or 0, float(hours or 0))
            for unit, n, filled, escalated, done, hours in self.session.execute(stmt)
        ]

    def ranking(
        self,
        unit_paths: Collection[str],
        start: datetime | None,
        end: datetime | None,
        by_branch: bool,
    ) -> list[RankedRow]:
        """Members (or branches) living under the units, by points then hours, counting the
        services confirmed in ``[start, end)``."""
        hours = func.sum(OrderClaim.hours)
        points = func.sum(OrderClaim.points)
        services = func.count(OrderClaim.id)
        base = (
            select()
            .select_from(OrderClaim)
            .join(OrgUnit, OrgUnit.key == OrderClaim.home_unit_key)
            .where(self._served(unit_paths, start, end))
        )
        if by_branch:
            stmt = base.add_columns(OrderClaim.branch, services, hours, points).group_by(
                OrderClaim.branch
            )
            rows = [
                RankedRow(branch or "", branch or "", branch or "", None, n, h or 0, p or 0)
                for branch, n, h, p in self.session.execute(stmt)
            ]
        else:
            stmt = (
                base.join(VolunteerProfile, VolunteerProfile.id == OrderClaim.volunteer_id)
                .join(User, User.id == VolunteerProfile.user_id)
                .add_columns(
                    User.username,
                    User.display_name,
                    VolunteerProfile.branch,
                    VolunteerProfile.home_unit_key,
                    services,
                    hours,
                    points,
                )
                .group_by(
                    User.username,
                    User.display_name,
                    VolunteerProfile.branch,
                    VolunteerProfile.home_unit_key,
                )
            )
            rows = [
                RankedRow(username, name, branch, home, n, h or 0, p or 0)
                for username, name, branch, home, n, h, p in self.session.execute(stmt)
            ]
        return sorted(rows, key=lambda r: (-r.points, -r.hours, r.name))

    def records(
        self, unit_paths: Collection[str], start: datetime | None, end: datetime | None
    ) -> list[ServiceLine]:
        """Every confirmed service of members living under the units, in time order."""
        stmt = (
            select(OrderClaim, ServiceOrder, User.username, User.display_name)
            .join(ServiceOrder, ServiceOrder.id == OrderClaim.order_id)
            .join(OrgUnit, OrgUnit.key == OrderClaim.home_unit_key)
            .join(VolunteerProfile, VolunteerProfile.id == OrderClaim.volunteer_id)
            .join(User, User.id == VolunteerProfile.user_id)
            .where(self._served(unit_paths, start, end))
            .order_by(OrderClaim.confirmed_at, OrderClaim.id)
        )
        return [ServiceLine(c, o, u, n) for c, o, u, n in self.session.execute(stmt)]

    # Tasks of the order instances ---------------------------------------------------------
    def tasks_for(self, grants: Collection[tuple[str, str]]) -> list[TaskRecord]:
        """Ready tasks of order instances for any of the role grants, the oldest first."""
        if not grants:
            return []
        held = or_(*(and_(TaskRecord.role == r, TaskRecord.unit_key == u) for r, u in grants))
        stmt = (
            select(TaskRecord)
            .where(
                TaskRecord.state == "ready",
                TaskRecord.business_key.startswith(KEY_PREFIX),
                held,
            )
            .order_by(TaskRecord.created_at)
        )
        return list(self.session.scalars(stmt))

    def ready_task(self, instance_id: int, element_id: str) -> TaskRecord | None:
        stmt = select(TaskRecord).where(
            TaskRecord.instance_id == instance_id,
            TaskRecord.element_id == element_id,
            TaskRecord.state == "ready",
        )
        return self.session.scalars(stmt).first()


def _under(path_column, unit_paths: Collection[str]):
    """The row's unit lies under one of the paths (none: nothing)."""
    if not unit_paths:
        return false()
    return or_(*(path_column.startswith(p) for p in unit_paths))
