"""The domain's tables: org units, users and their role grants, API tokens, cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, utcnow
from workflows.domain.statuses import CLOSED_STATUSES

# A case not closed, written as the partial index below states it, so that PostgreSQL sees
# a query with this very condition as covered by the index.
STILL_OPEN = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in sorted(CLOSED_STATUSES)))
# The open cases' indexes the console's lists read: all of them, by alert, suspended.
CONSOLE_INDEXES = {"updated": (), "alert": ("alert_level",), "suspended": ("suspended",)}
# The columns an indicator's scope filters on (a supervisor's grids, a department), and
# those the live part of "overdue" reads besides (``indicator_predicates.waiting_late``):
# carried in the deadline indexes so that PostgreSQL counts from the index alone.
SCOPE_COLUMNS = ("grid_key", "department_key")
WAITING_COLUMNS = (
    *SCOPE_COLUMNS,
    "street_key",
    "category",
    "process_id",
    "registered_at",
    "extended",
    "ever_suspended",
)


class OrgUnit(Base):
    """A territorial unit (city … grid) or a department attached to one.

    ``path`` is the chain of keys from the root, ``/k1/k2/.../``, so a subtree is a prefix.
    Territorial keys are the 15-digit unit-grid codes of DOMAIN §3.
    """

    __tablename__ = "org_units"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # territory | department
    level: Mapped[str] = mapped_column(String(20))  # city district street community grid
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_key: Mapped[str | None] = mapped_column(ForeignKey("org_units.key"))
    path: Mapped[str] = mapped_column(String(400), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    categories: Mapped[list[Any]] = mapped_column(default=list)
    # The unit's outline for the map: a GeoJSON Polygon or MultiPolygon (WGS 84 lon/lat).
    boundary: Mapped[dict[str, Any] | None]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Raised when the user signs out: every session cookie issued before stops working.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleGrant(Base):
    """A user holds ``role`` in ``unit_key``."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(50))
    unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))


class ApiToken(Base):
    """A bearer token for programs; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # After this the token no longer works (tokens made before expiry existed: none).
    expires_at: Mapped[datetime | None]


class CaseCounter(Base):
    """Per-year sequence behind the human case numbers (``2026-000123``)."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Case(Base):
    """One reported matter. Its process state lives in the engine's instance; this row holds
    the business facts and the status people see, updated in the same transaction."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_unit", "status", "review_unit_key"),
        Index("ix_cases_grid", "grid_key", "status"),
        # The inbox joins every waiting task to its case here; on PostgreSQL the filters on
        # the case (category, status) are read from the index alone.
        Index(
            "ix_cases_instance_id",
            "instance_id",
            unique=True,
            postgresql_include=["category", "status"],
        ),
        Index("ix_cases_registered_at", "registered_at"),
        Index("ix_cases_street_registered", "street_key", "registered_at"),
        Index("ix_cases_department_registered", "department_key", "registered_at"),
        # A work order pushed by another system (12345 hotline, a mini-program) is one case
        # per pushing account and order id, however often it arrives.
        UniqueConstraint("external_source", "external_id", name="uq_cases_external"),
        Index("ix_cases_geo_cell", "geo_cell", "created_at"),
        Index("ix_cases_reporter_phone", "reporter_phone"),
        # Open cases by deadline: those past it now (the overview's "overdue now"); on
        # PostgreSQL with the scope's columns, counted from the index alone.
        Index(
            "ix_cases_open_deadline",
            "deadline",
            postgresql_include=list(SCOPE_COLUMNS),
            postgresql_where=text(STILL_OPEN),
            sqlite_where=text(STILL_OPEN),
        ),
        # Cases still waiting for feedback, by deadline: the live part of "overdue" (those
        # past it now are few, however long the period asked about).
        Index(
            "ix_cases_waiting_deadline",
            "deadline",
            postgresql_include=list(WAITING_COLUMNS),
            postgresql_where=text("handled_at IS NULL"),
            sqlite_where=text("handled_at IS NULL"),
        ),
        # The console's lists of open cases, each read in its order (oldest change first).
        *(
            Index(
                f"ix_cases_open_{name}",
                *leading,
                "updated_at",
                "id",
                postgresql_where=text(STILL_OPEN),
                sqlite_where=text(STILL_OPEN),
            )
            for name, leading in CONSOLE_INDEXES.items()
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    process_id: Mapped[str] = mapped_column(String(100))
    stream: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(10), index=True)
    event_code: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    photos: Mapped[list[Any]] = mapped_column(default=list)
    grid_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    review_unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    department_key: Mapped[str | None] = mapped_column(ForeignKey("org_units.key"))
    status: Mapped[str] = mapped_column(String(20), default="reported")
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    # The secret of a resident's tracking link (/t/<token>): status, photos, evaluation.
    tracking_token: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    reporter_phone: Mapped[str] = mapped_column(String(40), default="")
    deadline: Mapped[datetime | None]
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # Why a child case exists: the process that opened it (joint_conference, whistle_callin)
    # or ``service`` for a service case opened by a welfare visit.
    link_kind: Mapped[str | None] = mapped_column(String(30))
    device_id: Mapped[str | None] = mapped_column(String(80), index=True)
    return_count: Mapped[int] = mapped_column(default=0)
    rework_count: Mapped[int] = mapped_column(default=0)
    escalation_count: Mapped[int] = mapped_column(default=0)
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    alert_level: Mapped[str] = mapped_column(String(10), default="normal")  # normal yellow red
    suspended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # Milestones the indicators count by (steps with a ``milestone`` property set them):
    # registered = first received by a department or handled on the spot.
    registered_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_on_time: Mapped[bool] = mapped_column(default=False)
    evaluated_at: Mapped[datetime | None]
    extended: Mapped[bool] = mapped_column(default=False)
    ever_suspended: Mapped[bool] = mapped_column(default=False)
    supervised: Mapped[bool] = mapped_column(default=False)
    # The grid's street and community, kept on the row for grouping.
    street_key: Mapped[str | None] = mapped_column(String(40))
    community_key: Mapped[str | None] = mapped_column(String(40))
    # The 0.001° cell of the case's coordinates (``domain/nearby.py``): duplicates nearby.
    geo_cell: Mapped[str | None] = mapped_column(String(24))
    # Another system's own id of the order (external_source: the account that pushed it).
    external_source: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(100))


class Notification(Base):
    """A notice for everyone holding ``role`` in ``unit_key`` (or for one ``username``).

    The row is the in-app channel and the outbox of the others: ``pending_channels`` names
    the outbound channels (webhook …) that have not delivered it yet, written in the
    transaction that raised the notice. Jobs deliver it and record the outcome in
    ``deliveries``; the worker's sweep re-sends what Redis lost.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient", "role", "unit_key", "created_at"),
        Index(
            "ix_notifications_pending",
            "created_at",
            postgresql_where=text("pending_channels <> ''"),
            sqlite_where=text("pending_channels <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(50))
    unit_key: Mapped[str | None] = mapped_column(String(40))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    deliveries: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pending_channels: Mapped[str] = mapped_column(String(100), default="", server_default="")


class NotificationRead(Base):
    """One person has read one notice: a notice for a role is read by each holder on their
    own (one dispatcher's "mark all read" leaves a colleague's badge as it was)."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExtensionRequest(Base):
    """A department's request for more time (申请延期) and the dispatcher's decision."""

    __tablename__ = "extension_requests"
    # Decided requests pile up over the years; the inbox reads the pending ones, oldest first.
    __table_args__ = (
        Index(
            "ix_extension_requests_pending",
            "created_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    requested_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    requested_until: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DepartmentMark(Base):
    """One fact for department assessment: a missed conference time box, a whistle report-in
    (on time or not), a late mark, a rating by the street (score 1–5 and comment)."""

    __tablename__ = "department_marks"
    __table_args__ = (Index("ix_department_marks_dept", "department_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    kind: Mapped[str] = mapped_column(String(30))
    on_time: Mapped[bool | None]
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SensorReading(Base):
    """A device alert as received; repeated alerts of one device attach to its open case."""

    __tablename__ = "sensor_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    reading: Mapped[dict[str, Any]] = mapped_column(default=dict)
    observed_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A photo or file kept under the upload directory; served only to those who may see
    its case. ``case_id`` is empty between the upload and the report that uses it."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    stored_as: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Substitution(Base):
    """While ``starts_at <= now < ends_at`` (and not cancelled), ``substitute`` acts for
    ``user``: sees and may complete what the user could (代班)."""

    __tablename__ = "substitutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    substitute_username: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


# The indicator roll-up: every case count of ``indicator_queries.case_predicates`` summed per
# local day and (street, community, grid, department, category), so that a year's table reads
# a few thousand rows instead of a year of cases. ``indicator_rollup`` keeps it: the buckets a
# transaction's case changes touch are recounted, from the cases, before it commits.
ROLLED_COUNTS = (
    "reported",
    "valid",
    "due_to_close",
    "closed",
    "closed_on_time",
    "due_to_handle",
    "handled",
    "handled_on_time",
    "dispatched",
    "returned",
    "reworked",
    "extended",
    "overdue_fed_back",
    "supervised",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "satisfied_by_default",
)


class IndicatorDay(Base):
    """Counts of one local day (``span`` "day"), or of a whole month (``span`` "month",
    ``day`` its first day: the sum of its day rows, so that a year reads twelve rows per
    bucket instead of 365), or of one day of a grid and department over all categories
    (``span`` "day_total", ``category`` empty: a series per day reads these)."""

    __tablename__ = "indicator_days"
    __table_args__ = (
        Index("ix_indicator_days_day_grid", "day", "grid_key"),
        Index("ix_indicator_days_span_day", "span", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    span: Mapped[str] = mapped_column(String(10), default="day")
    day: Mapped[date]
    street_key: Mapped[str | None] = mapped_column(String(40))
    community_key: Mapped[str | None] = mapped_column(String(40))
    grid_key: Mapped[str] = mapped_column(String(40))
    department_key: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(10))
    reported: Mapped[int] = mapped_column(default=0)
    valid: Mapped[int] = mapped_column(default=0)
    due_to_close: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    closed_on_time: Mapped[int] = mapped_column(default=0)
    due_to_handle: Mapped[int] = mapped_column(default=0)
    handled: Mapped[int] = mapped_column(default=0)
    handled_on_time: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    returned: Mapped[int] = mapped_column(default=0)
    reworked: Mapped[int] = mapped_column(default=0)
    extended: Mapped[int] = mapped_column(default=0)
    # Overdue cases already fed back (late); those still waiting past their deadline are
    # counted at query time, as "overdue" depends on the moment of asking.
    overdue_fed_back: Mapped[int] = mapped_column(default=0)
    supervised: Mapped[int] = mapped_column(default=0)
    evaluated: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    basically_satisfied: Mapped[int] = mapped_column(default=0)
    dissatisfied: Mapped[int] = mapped_column(default=0)
    satisfied_by_default: Mapped[int] = mapped_column(default=0)
    closing_hours: Mapped[float] = mapped_column(default=0.0)


class MarkDay(Base):
    """Department marks per local day, marked department, kind and the case's grid and
    department (the scope a reader is limited to)."""

    __tablename__ = "department_mark_days"
    __table_args__ = (
        Index("ix_department_mark_days_day_grid", "day", "grid_key"),
        Index("ix_department_mark_days_span_day", "span", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    span: Mapped[str] = mapped_column(String(10), default="day")
    day: Mapped[date]
    grid_key: Mapped[str] = mapped_column(String(40))
    case_department_key: Mapped[str | None] = mapped_column(String(40))
    department_key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    n: Mapped[int] = mapped_column(default=0)


class RollupPending(Base):
    """A bucket (local day, grid) whose roll-up rows a committed change made stale: its case
    counts, its department-mark counts or both are counted again by the next reader of the
    indicators or the worker's sweep, whichever comes first (``indicator_rollup.settle``)."""

    __tablename__ = "indicator_pending"

    day: Mapped[date] = mapped_column(primary_key=True)
    grid_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    cases: Mapped[bool] = mapped_column(default=False)
    marks: Mapped[bool] = mapped_column(default=False)


class RollupState(Base):
    """What the roll-up was counted with (time zone and indicator readings): readers use it
    only while that matches the running catalog."""

    __tablename__ = "indicator_rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime]
