"""Queries over the domain's tables, in SQLAlchemy 2 style. Nothing here commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, TaskRecord
from engine.repositories import Visibility
from workflows.adapters.models import (
    ApiToken,
    Attachment,
    Case,
    CaseCounter,
    DepartmentMark,
    ExtensionRequest,
    Notification,
    OrgUnit,
    RoleGrant,
    SensorReading,
    Substitution,
    User,
)
from workflows.domain.errors import NotFoundError


class UnitRepository:
    def __init__(self, session: Session):
        self.session = session

    def all(self) -> Sequence[OrgUnit]:
        return self.session.scalars(select(OrgUnit).order_by(OrgUnit.path)).all()

    def add(self, unit: OrgUnit) -> None:
        self.session.add(unit)


class UserRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(user)
        self.session.flush()

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).first()

    def get(self, user_id: int) -> User:
        found = self.session.get(User, user_id)
        if found is None:
            raise NotFoundError(f"user {user_id} not found")
        return found

    def all(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.username)).all()

    def display_names(self, usernames: Collection[str]) -> dict[str, str]:
        stmt = select(User.username, User.display_name).where(User.username.in_(list(usernames)))
        return {name: display for name, display in self.session.execute(stmt)}

    def grants(self, user_id: int) -> Sequence[RoleGrant]:
        stmt = select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)
        return self.session.scalars(stmt).all()

    def grant(self, user_id: int, role: str, unit_key: str) -> None:
        self.session.add(RoleGrant(user_id=user_id, role=role, unit_key=unit_key))

    def holders(self, role: str, unit_key: str) -> Sequence[User]:
        stmt = (
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == role, RoleGrant.unit_key == unit_key, User.active)
        )
        return self.session.scalars(stmt).all()

    def add_token(self, token: ApiToken) -> None:
        self.session.add(token)

    def by_token_hash(self, digest: str) -> tuple[User, ApiToken] | None:
        """The user and the token with this hash, unless the token was revoked."""
        stmt = (
            select(User, ApiToken)
            .join(ApiToken)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1]) if row else None

    def tokens(self, user_id: int | None = None) -> Sequence[tuple[ApiToken, str]]:
        """Tokens (with their user name), newest first; one user's when ``user_id`` is given."""
        stmt = select(ApiToken, User.username).join(User).order_by(ApiToken.id.desc())
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
        return [(t, name) for t, name in self.session.execute(stmt)]

    def token(self, token_id: int) -> ApiToken:
        found = self.session.get(ApiToken, token_id)
        if found is None:
            raise NotFoundError(f"no API token {token_id}")
        return found


class CaseRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, case: Case) -> None:
        self.session.add(case)
        self.session.flush()

    def by_number(self, number: str) -> Case:
        found = self.session.scalars(select(Case).where(Case.number == number)).first()
        if found is None:
            raise NotFoundError(f"case {number} not found")
        return found

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Case)) or 0

    def find_number(self, number: str) -> Case | None:
        return self.session.scalars(select(Case).where(Case.number == number)).first()

    def by_instance(self, instance_id: int) -> Case:
        found = self.session.scalars(select(Case).where(Case.instance_id == instance_id)).first()
        if found is None:
            raise NotFoundError(f"no case for instance {instance_id}")
        return found

    def get(self, case_id: int) -> Case:
        found = self.session.get(Case, case_id)
        if found is None:
            raise NotFoundError(f"case {case_id} not found")
        return found

    def children(self, case_id: int) -> Sequence[Case]:
        return self.session.scalars(
            select(Case).where(Case.parent_id == case_id).order_by(Case.id)
        ).all()

    def merged_into(self, case_id: int) -> Sequence[Case]:
        return self.session.scalars(
            select(Case).where(Case.duplicate_of_id == case_id).order_by(Case.id)
        ).all()

    def open_for_device(self, device_id: str, closed: Collection[str]) -> Case | None:
        """The device's newest case that is still open (repeat alerts attach to it).

        Takes a transaction lock per device first, so that two alerts arriving together
        cannot both open a case (SQLite's writers are serialized by BEGIN IMMEDIATE).
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                select(func.pg_advisory_xact_lock(func.hashtext(f"device:{device_id}")))
            )
        stmt = (
            select(Case)
            .where(Case.device_id == device_id, Case.status.not_in(closed))
            .order_by(Case.id.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def next_number(self, year: int) -> str:
        """Allocate the next case number of ``year``; the row lock serializes writers."""
        dialect = self.session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        self.session.execute(upsert(CaseCounter).values(year=year, last=0).on_conflict_do_nothing())
        stmt = (
            update(CaseCounter)
            .where(CaseCounter.year == year)
            .values(last=CaseCounter.last + 1)
            .returning(CaseCounter.last)
        )
        last = self.session.execute(stmt).scalar_one()
        return f"{year}-{last:06d}"


@dataclass(frozen=True)
class InboxFilter:
    """Inbox filters; ``None`` means no filter. ``status`` is the case status."""

    role: str | None = None
    unit_key: str | None = None
    status: str | None = None
    category: str | None = None
    overdue: bool = False
    mine: bool = False
    search: str | None = None


class InboxQuery:
    """Ready tasks joined with their cases, filtered by what a person may see."""

    def __init__(self, session: Session):
        self.session = session

    def search(
        self, visibility: Visibility, flt: InboxFilter, *, now: datetime, limit: int, offset: int
    ) -> tuple[list[tuple[TaskRecord, Case]], int]:
        conds = [TaskRecord.state == "ready", visibility.clause()]
        if flt.role:
            conds.append(TaskRecord.role == flt.role)
        if flt.unit_key:
            conds.append(TaskRecord.unit_key == flt.unit_key)
        if flt.status:
            conds.append(Case.status == flt.status)
        if flt.category:
            conds.append(Case.category == flt.category)
        if flt.overdue:
            conds.append(TaskRecord.due_at < now)
        if flt.mine:
            conds.append(TaskRecord.assignee == visibility.person)
        if flt.search:
            like = f"%{flt.search}%"
            conds.append(
                or_(Case.number.like(like), Case.title.like(like), Case.address.like(like))
            )
        joined = select(TaskRecord, Case).join(Case, Case.instance_id == TaskRecord.instance_id)
        total = self.session.scalar(
            select(func.count())
            .select_from(TaskRecord)
            .join(Case, Case.instance_id == TaskRecord.instance_id)
            .where(*conds)
        )
        stmt = (
            joined.where(*conds)
            .order_by(TaskRecord.due_at.is_(None), TaskRecord.due_at, TaskRecord.created_at)
            .limit(limit)
            .offset(offset)
        )
        return [(t, c) for t, c in self.session.execute(stmt)], total or 0


class NotificationRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, notice: Notification) -> None:
        self.session.add(notice)

    def get(self, notification_id: int) -> Notification:
        found = self.session.get(Notification, notification_id)
        if found is None:
            raise NotFoundError(f"notification {notification_id} not found")
        return found

    def for_recipient(
        self,
        username: str,
        grants: tuple[tuple[str, str], ...],
        unread_only: bool,
        limit: int = 100,
    ) -> Sequence[Notification]:
        mine = [Notification.username == username] + [
            and_(Notification.role == role, Notification.unit_key == unit) for role, unit in grants
        ]
        stmt = select(Notification).where(or_(*mine))
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        return self.session.scalars(stmt).all()

    def for_case(self, case_id: int) -> Sequence[Notification]:
        stmt = select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)
        return self.session.scalars(stmt).all()


class ExtensionRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, request: ExtensionRequest) -> None:
        self.session.add(request)
        self.session.flush()

    def get(self, request_id: int) -> ExtensionRequest:
        found = self.session.get(ExtensionRequest, request_id)
        if found is None:
            raise NotFoundError(f"extension request {request_id} not found")
        return found

    def pending_for(self, case_id: int) -> Sequence[ExtensionRequest]:
        stmt = select(ExtensionRequest).where(
            ExtensionRequest.case_id == case_id, ExtensionRequest.status == "pending"
        )
        return self.session.scalars(stmt).all()


class AssessmentRepository:
    """Department marks (conference, whistle call-in, ratings) and sensor readings."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, row: DepartmentMark | SensorReading) -> None:
        self.session.add(row)

    def marks_for_case(self, case_id: int) -> Sequence[DepartmentMark]:
        return self.session.scalars(
            select(DepartmentMark)
            .where(DepartmentMark.case_id == case_id)
            .order_by(DepartmentMark.id)
        ).all()

    def readings_for_case(self, case_id: int) -> Sequence[SensorReading]:
        return self.session.scalars(
            select(SensorReading).where(SensorReading.case_id == case_id).order_by(SensorReading.id)
        ).all()

    def summary(self, since: datetime | None) -> list[dict[str, Any]]:
        """Per department: report-ins on time and late, late marks, missed conference time
        boxes, number of ratings and the average score."""
        m = DepartmentMark

        def count(condition: Any) -> Any:
            return func.sum(sql_case((condition, 1), else_=0))

        reported = m.kind == "callin_reported"
        stmt = (
            select(
                m.department_key,
                count(reported & m.on_time.is_(True)),
                count(reported & m.on_time.is_(False)),
                count(m.kind == "callin_late"),
                count(m.kind == "conference_missed"),
                func.count(m.score),
                func.avg(m.score),
            )
            .group_by(m.department_key)
            .order_by(m.department_key)
        )
        if since is not None:
            stmt = stmt.where(m.at >= since)
        keys = (
            "department",
            "reported_on_time",
            "reported_late",
            "late_marks",
            "conference_missed",
            "ratings",
            "average_score",
        )
        return [dict(zip(keys, row, strict=True)) for row in self.session.execute(stmt)]


class AttachmentRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, row: Attachment) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, attachment_id: int) -> Attachment:
        found = self.session.get(Attachment, attachment_id)
        if found is None:
            raise NotFoundError(f"attachment {attachment_id} not found")
        return found

    def many(self, ids: Collection[int]) -> Sequence[Attachment]:
        return self.session.scalars(select(Attachment).where(Attachment.id.in_(list(ids)))).all()

    def for_case(self, case_id: int) -> Sequence[Attachment]:
        stmt = select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
        return self.session.scalars(stmt).all()


class SubstitutionRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, row: Substitution) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, substitution_id: int) -> Substitution | None:
        return self.session.get(Substitution, substitution_id)

    def _open(self, at: datetime) -> list[Any]:
        return [Substitution.cancelled_at.is_(None), Substitution.ends_at > at]

    def overlapping(self, user_id: int, starts: datetime, ends: datetime) -> bool:
        stmt = select(Substitution.id).where(
            Substitution.user_id == user_id,
            Substitution.cancelled_at.is_(None),
            Substitution.starts_at < ends,
            Substitution.ends_at > starts,
        )
        return self.session.scalars(stmt).first() is not None

    def current_for(self, user_id: int, now: datetime) -> Sequence[Substitution]:
        """The user's substitutions that are running or still to come."""
        stmt = select(Substitution).where(Substitution.user_id == user_id, *self._open(now))
        return self.session.scalars(stmt.order_by(Substitution.starts_at)).all()

    def current_by(self, substitute_id: int, now: datetime) -> Sequence[Substitution]:
        """Where the user stands in for someone, running or still to come."""
        stmt = select(Substitution).where(
            Substitution.substitute_id == substitute_id, *self._open(now)
        )
        return self.session.scalars(stmt.order_by(Substitution.starts_at)).all()

    def acting_now(self, substitute_id: int, now: datetime) -> Sequence[Substitution]:
        stmt = select(Substitution).where(
            Substitution.substitute_id == substitute_id,
            Substitution.starts_at <= now,
            *self._open(now),
        )
        return self.session.scalars(stmt).all()


@dataclass(frozen=True)
class ConsoleFilter:
    """What the supervisors' console narrows to; ``unit_paths`` is the actor's reach."""

    unit_paths: tuple[str, ...]
    unit_path: str | None = None
    level: str | None = None
    department: str | None = None
    category: str | None = None
    older_than: datetime | None = None


class ConsoleQuery:
    """Open cases that need a supervisor: overdue, warned, stalled; and where cases wait."""

    def __init__(self, session: Session):
        self.session = session

    def _open(self, flt: ConsoleFilter, closed: Collection[str]) -> list[Any]:
        grid = OrgUnit.path
        conds: list[Any] = [Case.status.not_in(closed)]
        conds.append(or_(*[grid.startswith(p, autoescape=True) for p in flt.unit_paths]))
        if flt.unit_path:
            conds.append(grid.startswith(flt.unit_path, autoescape=True))
        if flt.level:
            review = select(OrgUnit.level).where(OrgUnit.key == Case.review_unit_key)
            conds.append(review.scalar_subquery() == flt.level)
        if flt.department:
            conds.append(Case.department_key == flt.department)
        if flt.category:
            conds.append(Case.category == flt.category)
        if flt.older_than:
            conds.append(Case.created_at < flt.older_than)
        return conds

    def cases(
        self,
        flt: ConsoleFilter,
        closed: Collection[str],
        kind: str,
        now: datetime,
        stalled_before: datetime,
        limit: int = 200,
    ) -> tuple[list[Case], int]:
        conds = self._open(flt, closed)
        if kind == "overdue":
            late = select(TaskRecord.instance_id).where(
                TaskRecord.state == "ready", TaskRecord.due_at < now
            )
            conds.append(or_(Case.alert_level == "red", Case.instance_id.in_(late)))
        elif kind == "warning":
            conds.append(Case.alert_level == "yellow")
        elif kind == "stalled":
            conds.append(Case.updated_at < stalled_before)
        elif kind == "suspended":
            conds.append(Case.suspended.is_(True))
        elif kind == "errored":
            failed = select(ProcessInstance.id).where(ProcessInstance.error.is_not(None))
            conds.append(Case.instance_id.in_(failed))
        base = select(Case).join(OrgUnit, OrgUnit.key == Case.grid_key).where(*conds)
        total = self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = self.session.scalars(base.order_by(Case.updated_at).limit(limit)).all()
        return list(rows), total

    def next_due(self, instance_ids: Collection[int]) -> dict[int, datetime]:
        """The earliest deadline among each instance's waiting tasks."""
        rows = self.session.execute(
            select(TaskRecord.instance_id, func.min(TaskRecord.due_at))
            .where(TaskRecord.state == "ready", TaskRecord.instance_id.in_(list(instance_ids)))
            .group_by(TaskRecord.instance_id)
        ).all()
        return {instance: due for instance, due in rows if due is not None}

    def heat(
        self, process_id: str, paths: tuple[str, ...], now: datetime
    ) -> list[tuple[str, int, float]]:
        """Per element of a process: open tasks waiting there and their average age (hours)."""
        rows = self.session.execute(
            select(TaskRecord.element_id, TaskRecord.created_at)
            .join(Case, Case.instance_id == TaskRecord.instance_id)
            .where(
                TaskRecord.state == "ready",
                Case.process_id == process_id,
                or_(*[TaskRecord.unit_path.startswith(p, autoescape=True) for p in paths]),
            )
        ).all()
        grouped: dict[str, list[float]] = {}
        for element, created in rows:
            grouped.setdefault(element, []).append((now - created).total_seconds() / 3600)
        return [(e, len(a), round(sum(a) / len(a), 1)) for e, a in sorted(grouped.items())]
