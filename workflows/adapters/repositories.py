"""Repositories over the domain's tables, one per aggregate, SQLAlchemy 2 style. Nothing commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.db import upsert_insert
from engine.models import TaskRecord
from workflows.adapters.models import (
    ApiToken,
    Attachment,
    Case,
    CaseCounter,
    DepartmentMark,
    ExtensionRequest,
    Notification,
    NotificationRead,
    OrgUnit,
    RoleGrant,
    SensorReading,
    Substitution,
    User,
)
from workflows.domain.errors import NotFoundError, OrderAlreadyReported


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
        if not usernames:
            return {}
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
        """Raises:
        OrderAlreadyReported: the case's external order has its case already."""
        self.session.add(case)
        try:
            self.session.flush()
        except IntegrityError as err:
            if case.external_id is not None and "external_id" in str(err.orig):
                raise OrderAlreadyReported(case.external_id) from err
            raise

    def by_number(self, number: str) -> Case:
        found = self.session.scalars(select(Case).where(Case.number == number)).first()
        if found is None:
            raise NotFoundError(f"case {number} not found")
        return found

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Case)) or 0

    def by_tracking_token(self, token: str) -> Case | None:
        return self.session.scalars(select(Case).where(Case.tracking_token == token)).first()

    def tracked(self, *, user_id: int | None = None, limit: int) -> Sequence[Case]:
        """Cases reported with a tracking link (from the public page), of one reporter when
        given, newest first."""
        stmt = select(Case).where(Case.tracking_token.is_not(None))
        if user_id is not None:
            stmt = stmt.where(Case.reporter_user_id == user_id)
        stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        return self.session.scalars(stmt).all()

    def find_number(self, number: str) -> Case | None:
        return self.session.scalars(select(Case).where(Case.number == number)).first()

    def public(
        self,
        processes: Collection[str],
        private_streams: Collection[str],
        *,
        private_channels: Collection[str] = (),
        numbers: Collection[str] = (),
        categories: Collection[str] = (),
        event_codes: Collection[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        statuses: Collection[str] | None = None,
        limit: int,
    ) -> Sequence[Case]:
        """Cases of these processes outside those streams and channels, newest first: the
        ones numbered, or those of the codes (any when none given), reported in
        ``[start, end]`` and in one of ``statuses`` (any when None)."""
        stmt = select(Case).where(
            Case.process_id.in_(list(processes)),
            Case.stream.not_in(list(private_streams)),
            Case.channel.not_in(list(private_channels)),
        )
        if numbers:
            stmt = stmt.where(Case.number.in_(list(numbers)))
        else:
            if categories or event_codes:
                stmt = stmt.where(
                    or_(Case.category.in_(list(categories)), Case.event_code.in_(list(event_codes)))
                )
            if start is not None:
                stmt = stmt.where(Case.created_at >= start)
            if end is not None:
                stmt = stmt.where(Case.created_at <= end)
            if statuses is not None:
                stmt = stmt.where(Case.status.in_(list(statuses)))
        return self.session.scalars(stmt.order_by(Case.created_at.desc()).limit(limit)).all()

    def near(
        self,
        case: Case,
        cells: Collection[str] | None,
        since: datetime,
        closed: Collection[str],
        limit: int = 50,
    ) -> Sequence[Case]:
        """Other open cases of the case's category or event code reported since ``since``:
        in these cells, or (``cells`` None: the case has no coordinates) in its grid."""
        same_kind = Case.category == case.category
        if case.event_code:
            same_kind = or_(same_kind, Case.event_code == case.event_code)
        place = (
            Case.geo_cell.in_(list(cells)) if cells is not None else Case.grid_key == case.grid_key
        )
        stmt = (
            select(Case)
            .where(
                place,
                Case.created_at >= since,
                Case.id != case.id,
                Case.status.not_in(list(closed)),
                same_kind,
            )
            .order_by(Case.created_at.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def by_phone(self, phone: str, limit: int) -> Sequence[Case]:
        """The cases reported from this phone number, newest first."""
        stmt = select(Case).where(Case.reporter_phone == phone)
        return self.session.scalars(stmt.order_by(Case.created_at.desc()).limit(limit)).all()

    def merged_from_reporter(self, case_id: int, user_id: int) -> bool:
        """Whether this person reported a case merged into this one."""
        stmt = select(Case.id).where(
            Case.duplicate_of_id == case_id, Case.reporter_user_id == user_id
        )
        return self.session.scalars(stmt.limit(1)).first() is not None

    def find_external(self, source: str, external_id: str) -> Case | None:
        """The case another system's order opened (``source``: the account that pushed it)."""
        stmt = select(Case).where(Case.external_source == source, Case.external_id == external_id)
        return self.session.scalars(stmt).first()

    def by_instance(self, instance_id: int) -> Case:
        found = self.find_by_instance(instance_id)
        if found is None:
            raise NotFoundError(f"no case for instance {instance_id}")
        return found

    def find_by_instance(self, instance_id: int) -> Case | None:
        """The instance's case; None for a process that drives no case (care visits,
        volunteer orders)."""
        return self.session.scalars(select(Case).where(Case.instance_id == instance_id)).first()

    def by_instances(self, instance_ids: Sequence[int]) -> dict[int, Case]:
        """The cases of several instances in one statement, by instance id."""
        stmt = select(Case).where(Case.instance_id.in_(instance_ids))
        return {case.instance_id: case for case in self.session.scalars(stmt)}

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

    def for_device(self, device_id: str, limit: int = 50) -> Sequence[Case]:
        """The cases a device raised, newest first."""
        stmt = (
            select(Case)
            .where(Case.device_id == device_id)
            .order_by(Case.created_at.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

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
        counter = upsert_insert(self.session)(CaseCounter).values(year=year, last=0)
        self.session.execute(counter.on_conflict_do_nothing())
        stmt = (
            update(CaseCounter)
            .where(CaseCounter.year == year)
            .values(last=CaseCounter.last + 1)
            .returning(CaseCounter.last)
        )
        last = self.session.execute(stmt).scalar_one()
        return f"{year}-{last:06d}"


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
        stmt = select(Notification).where(_addressed_to(username, grants))
        if unread_only:
            stmt = stmt.where(_unread_by(username))
        stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        return self.session.scalars(stmt).all()

    def case_numbers(self, notices: Sequence[Notification]) -> dict[int, str]:
        """The number of each notice's case, by case id."""
        ids = {n.case_id for n in notices if n.case_id is not None}
        if not ids:
            return {}
        rows = self.session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))
        return {case_id: number for case_id, number in rows}

    def unread_count(
        self, username: str, grants: tuple[tuple[str, str], ...], cap: int = 100
    ) -> int:
        """Unread notices of the person, counted up to ``cap`` (a badge shows "99+")."""
        unread = (
            select(Notification.id)
            .where(_addressed_to(username, grants), _unread_by(username))
            .limit(cap)
            .subquery()
        )
        return int(self.session.scalar(select(func.count()).select_from(unread)) or 0)

    def mark_all_read(
        self, username: str, grants: tuple[tuple[str, str], ...], at: datetime
    ) -> int:
        unread = self.session.scalars(
            select(Notification.id).where(_addressed_to(username, grants), _unread_by(username))
        ).all()
        self.session.add_all(
            NotificationRead(notification_id=i, username=username, read_at=at) for i in unread
        )
        return len(unread)

    def mark_read(self, notice: Notification, username: str, at: datetime) -> datetime:
        """The person has read the notice (once: the first time stands); when."""
        found = self.session.get(NotificationRead, (notice.id, username))
        if found is None:
            found = NotificationRead(notification_id=notice.id, username=username, read_at=at)
            self.session.add(found)
        return found.read_at

    def read_times(self, username: str, notices: Sequence[Notification]) -> dict[int, datetime]:
        """When the person read each of the notices they have read (a notice read before
        reads were kept per person counts as read by all, at its shared time)."""
        found = {n.id: n.read_at for n in notices if n.read_at is not None}
        ids = [n.id for n in notices]
        if ids:
            rows = self.session.execute(
                select(NotificationRead.notification_id, NotificationRead.read_at).where(
                    NotificationRead.username == username,
                    NotificationRead.notification_id.in_(ids),
                )
            )
            found.update({nid: at for nid, at in rows})
        return found

    def pending(self, stored_before: datetime, limit: int = 500) -> Sequence[Notification]:
        """Notices stored before the time that some outbound channel has not delivered."""
        stmt = (
            select(Notification)
            .where(Notification.pending_channels != "", Notification.created_at < stored_before)
            .order_by(Notification.created_at)
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def for_case(self, case_id: int) -> Sequence[Notification]:
        stmt = select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)
        return self.session.scalars(stmt).all()


def _unread_by(username: str) -> Any:
    """Not read by this person (nor before reads were kept per person)."""
    mine = select(NotificationRead.notification_id).where(
        NotificationRead.notification_id == Notification.id, NotificationRead.username == username
    )
    return and_(Notification.read_at.is_(None), ~mine.exists())


def _addressed_to(username: str, grants: tuple[tuple[str, str], ...]) -> Any:
    """Notices for the person by name or for a role they hold."""
    mine = [Notification.username == username] + [
        and_(Notification.role == role, Notification.unit_key == unit) for role, unit in grants
    ]
    return or_(*mine)


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

    def pending(
        self, review_units: Collection[str], grids: Collection[str], limit: int
    ) -> Sequence[tuple[ExtensionRequest, Case, TaskRecord]]:
        """The requests waiting for a decision on cases reviewed in ``review_units`` or in
        ``grids`` whose step still waits, with their case and step, oldest first (one whose
        step is done has lapsed)."""
        stmt = self._pending(review_units, grids, ExtensionRequest, Case, TaskRecord)
        rows = self.session.execute(stmt.order_by(ExtensionRequest.created_at).limit(limit))
        return [(request, case, task) for request, case, task in rows]

    def count_pending(self, review_units: Collection[str], grids: Collection[str], cap: int) -> int:
        """How many requests wait for a decision on cases reviewed in ``review_units`` or in
        ``grids``, counted up to ``cap``. Unlike :meth:`pending` it does not look at the
        steps: one done since the sweep last lapsed such requests is still counted. (Joined
        to the waiting steps, PostgreSQL misjudges how many match and hashes every one.)"""
        found = (
            select(ExtensionRequest.id)
            .join(Case, Case.id == ExtensionRequest.case_id)
            .where(ExtensionRequest.status == "pending", _in_scope(review_units, grids))
            .order_by(ExtensionRequest.created_at)
            .limit(cap)
            .subquery()
        )
        return self.session.scalar(select(func.count()).select_from(found)) or 0

    def moved_on(self) -> list[int]:
        """The pending requests whose step is done (the handler finished anyway)."""
        waits = select(TaskRecord.id).where(
            TaskRecord.id == ExtensionRequest.task_id, TaskRecord.state == "ready"
        )
        stmt = select(ExtensionRequest.id).where(
            ExtensionRequest.status == "pending", ~waits.exists()
        )
        return list(self.session.scalars(stmt))

    def lapse(self, request_ids: Collection[int]) -> None:
        stmt = (
            update(ExtensionRequest)
            .where(ExtensionRequest.id.in_(request_ids), ExtensionRequest.status == "pending")
            .values(status="lapsed")
            .execution_options(synchronize_session=False)
        )
        self.session.execute(stmt)

    @staticmethod
    def _pending(review_units: Collection[str], grids: Collection[str], *columns: Any) -> Select:
        return (
            select(*columns)
            .join(Case, Case.id == ExtensionRequest.case_id)
            .join(TaskRecord, TaskRecord.id == ExtensionRequest.task_id)
            .where(
                ExtensionRequest.status == "pending",
                TaskRecord.state == "ready",
                _in_scope(review_units, grids),
            )
        )

    def pending_for(self, case_id: int) -> Sequence[ExtensionRequest]:
        stmt = select(ExtensionRequest).where(
            ExtensionRequest.case_id == case_id, ExtensionRequest.status == "pending"
        )
        return self.session.scalars(stmt).all()


def _in_scope(review_units: Collection[str], grids: Collection[str]) -> Any:
    """Cases reviewed in ``review_units`` or in ``grids``: :meth:`SteerScope.admits` in
    SQL."""
    return or_(Case.review_unit_key.in_(review_units), Case.grid_key.in_(grids))


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
