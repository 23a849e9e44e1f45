"""marshmallow schemas for the API: what comes in and what goes out."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
)

from web.labels import STATUS
from web.security import context
from workflows.services.accounts import MAX_TOKEN_DAYS, TOKEN_DAYS


def _subject(value: Any) -> Any:
    if isinstance(value, str) and value in context().directory:
        return unit_ref(value)
    return value


def unit_ref(key: str | None) -> dict[str, Any] | None:
    """A unit key with its names, for display."""
    if not key:
        return None
    directory = context().directory
    if key not in directory:
        return {"key": key, "name_zh": key, "name_en": key, "level": None}
    unit = directory.get(key)
    return {"key": unit.key, "name_zh": unit.name_zh, "name_en": unit.name_en, "level": unit.level}


class UnitRefSchema(Schema):
    key = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    level = fields.String(allow_none=True)


class CaseCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    category = fields.String(required=True, validate=validate.Length(equal=2))
    description = fields.String(required=True, validate=validate.Length(min=2, max=4000))
    title = fields.String(load_default="", validate=validate.Length(max=200))
    priority = fields.String(load_default="normal")
    channel = fields.String(load_default="grid_worker")
    grid = fields.String(load_default=None, allow_none=True)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    photos = fields.Raw(load_default=None, load_only=True)
    event_code = fields.String(load_default=None, allow_none=True)
    reporter_name = fields.String(load_default="", validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default="", validate=validate.Length(max=40))
    external_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=100)
    )

    @validates("photos")
    def _photos_are_files(self, value: object, **_: object) -> None:
        if value is not None:
            raise ValidationError("send photos as files of a multipart/form-data request")

    @post_load
    def _drop_photos(self, data: dict[str, Any], **_: object) -> dict[str, Any]:
        data.pop("photos", None)
        return data


class TaskCompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), required=True)
    override_reason = fields.String(load_default="", validate=validate.Length(max=500))


class CaseSummarySchema(Schema):
    number = fields.String()
    status = fields.String()
    category = fields.String()
    category_name = fields.Method("_category_name")
    priority = fields.String()
    title = fields.String()
    grid = fields.Function(lambda c: unit_ref(c.grid_key))
    deadline = fields.DateTime(allow_none=True)

    def _category_name(self, case: Any) -> str:
        return context().catalog.category(case.category).name_zh


class CaseSchema(CaseSummarySchema):
    process_id = fields.String()
    stream = fields.String()
    event_code = fields.String(allow_none=True)
    channel = fields.String()
    description = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    photos = fields.List(fields.String())
    review_unit = fields.Function(lambda c: unit_ref(c.review_unit_key))
    department = fields.Function(lambda c: unit_ref(c.department_key))
    reporter_name = fields.String()
    external_id = fields.String(allow_none=True)
    return_count = fields.Integer()
    rework_count = fields.Integer()
    escalation_count = fields.Integer()
    satisfaction = fields.String(allow_none=True)
    alert_level = fields.String()
    suspended = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class TaskSchema(Schema):
    """A task view (``TaskView``): the projected task plus its case summary."""

    id = fields.Function(lambda v: v.task.id)
    name = fields.Function(lambda v: v.task.element_id)
    title = fields.Function(lambda v: v.task.title)
    state = fields.Function(lambda v: v.task.state)
    role = fields.Function(lambda v: v.task.role)
    unit = fields.Function(lambda v: unit_ref(v.task.unit_key))
    assignee = fields.Function(lambda v: v.task.assignee)
    created_at = fields.Function(lambda v: v.task.created_at.isoformat())
    due_at = fields.Function(lambda v: v.task.due_at.isoformat() if v.task.due_at else None)
    completed_at = fields.Function(
        lambda v: v.task.completed_at.isoformat() if v.task.completed_at else None
    )
    completed_by = fields.Function(lambda v: v.task.completed_by)
    overdue = fields.Boolean()
    form = fields.Function(lambda v: v.task.form)
    # What one of several parallel tasks is about (the department a rating is for): a unit
    # with its names, or the plain value; null for a task without a subject.
    subject = fields.Function(lambda v: _subject(v.task.properties.get("subject_value")))
    may_complete = fields.Boolean()
    case = fields.Function(lambda v: CaseSummarySchema().dump(v.case))


class ReportedSchema(Schema):
    """The answer to ``POST /cases?view=next``: the new case's number, status and where to
    read it; ``already_reported``: the account had pushed this ``external_id`` before."""

    number = fields.String()
    status = fields.String()
    url = fields.Function(lambda c: f"/api/v1/cases/{c.number}")
    already_reported = fields.Boolean()


class CompletedSchema(Schema):
    """The answer to ``POST /tasks/<id>/complete?view=next``: what comes next."""

    number = fields.String()
    status = fields.String()
    url = fields.Function(lambda c: f"/api/v1/cases/{c.number}")
    next_tasks = fields.List(fields.Nested(TaskSchema))


class TaskDetailSchema(TaskSchema):
    form_schema = fields.Dict(allow_none=True)


class HistoryEntrySchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    payload = fields.Dict()


class LinkedCaseSchema(CaseSummarySchema):
    link_kind = fields.String(allow_none=True)
    process_id = fields.String()


class DuplicateSchema(Schema):
    """A possible duplicate: the case, how far (metres; null without coordinates: same
    grid), and its photos when the caller may see that case."""

    case = fields.Nested(CaseSummarySchema)
    address = fields.Function(lambda c: c.case.address)
    reported_at = fields.Function(lambda c: c.case.created_at.isoformat())
    metres = fields.Float(allow_none=True)
    may_see = fields.Boolean()
    photos = fields.Function(lambda c: [str(p.id) for p in c.photos])


class CallerCaseSchema(CaseSummarySchema):
    """A caller's earlier case, as the desk lists it."""

    status_name = fields.Function(lambda c: str(STATUS.get(c.status, c.status)))
    reported_on = fields.Function(
        lambda c: c.created_at.astimezone(context().calendar.timezone).strftime("%Y-%m-%d")
    )


class HotlineCallSchema(Schema):
    caller_name = fields.String(load_default="", validate=validate.Length(max=100))
    caller_phone = fields.String(required=True, validate=validate.Length(max=40))
    category = fields.String(required=True, validate=validate.Length(equal=2))
    description = fields.String(required=True, validate=validate.Length(min=2, max=4000))
    event_code = fields.String(load_default=None, allow_none=True)
    address = fields.String(load_default="", validate=validate.Length(max=300))
    grid = fields.String(load_default=None, allow_none=True)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    priority = fields.String(load_default="normal")
    answer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class DuplicatesSchema(Schema):
    duplicates = fields.List(fields.Nested(DuplicateSchema))


class DepartmentMarkSchema(Schema):
    department = fields.Function(lambda m: unit_ref(m.department_key))
    kind = fields.String()
    on_time = fields.Boolean(allow_none=True)
    score = fields.Integer(allow_none=True)
    comment = fields.String()
    at = fields.DateTime()


class SensorReadingSchema(Schema):
    device_id = fields.String()
    kind = fields.String()
    reading = fields.Dict()
    observed_at = fields.DateTime()
    received_at = fields.DateTime()


class CaseDetailSchema(Schema):
    case = fields.Nested(CaseSchema)
    already_reported = fields.Boolean()
    parent = fields.Nested(LinkedCaseSchema, allow_none=True)
    children = fields.List(fields.Nested(LinkedCaseSchema))
    merged = fields.List(fields.Nested(LinkedCaseSchema))
    waiting_for = fields.List(fields.String())
    marks = fields.List(fields.Nested(DepartmentMarkSchema))
    readings = fields.List(fields.Nested(SensorReadingSchema))
    current_tasks = fields.Function(
        lambda d: TaskDetailSchema(many=True).dump([t for t in d.tasks if t.task.state == "ready"])
    )
    tasks = fields.Function(lambda d: TaskSchema(many=True).dump(d.tasks))
    history = fields.List(fields.Nested(HistoryEntrySchema))
    data = fields.Dict()
    suggested_department = fields.Function(
        lambda d: unit_ref(d.suggested_department.key) if d.suggested_department else None
    )
    links = fields.Dict()


class TaskPageSchema(Schema):
    """``total`` is exact up to 1,000; ``more`` is true when there are more than that.
    Pages reach the 1,000 most urgent tasks; a page past them is empty: narrow with filters."""

    items = fields.List(fields.Nested(TaskSchema))
    total = fields.Integer()
    more = fields.Boolean()
    page = fields.Integer()
    per_page = fields.Integer()


class InboxQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    role = fields.String(load_default=None)
    unit = fields.String(load_default=None)
    status = fields.String(load_default=None)
    category = fields.String(load_default=None)
    overdue = fields.Boolean(load_default=False)
    mine = fields.Boolean(load_default=False)
    q = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ProcessVersionSchema(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    content_hash = fields.String()
    file_name = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String()
    instances = fields.Dict(keys=fields.String(), values=fields.Integer())


class ProcessSchema(Schema):
    process_id = fields.String()
    name = fields.String()
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(ProcessVersionSchema))


class DeploySchema(Schema):
    """A BPMN file to check (``deploy: false``) or deploy, with forms it brings along."""

    file_name = fields.String(required=True, validate=validate.Regexp(r"^[\w.-]+\.bpmn$"))
    xml = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    deploy = fields.Boolean(load_default=False)


class DeployResultSchema(Schema):
    process_id = fields.String()
    deployed = fields.Boolean()
    created = fields.Boolean()
    version = fields.Nested(ProcessVersionSchema, allow_none=True)


class ErrorSchema(Schema):
    error = fields.String()
    message = fields.String()
    said = fields.String(metadata={"description": "the message in the reader's language"})
    fields_ = fields.Dict(data_key="fields")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    role = fields.String(allow_none=True)
    unit = fields.Function(lambda n: unit_ref(n.unit_key))
    username = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    deliveries = fields.Dict()


class ExtensionCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    until = fields.AwareDateTime(required=True, default_timezone=None)


class ExtensionDecisionSchema(Schema):
    approve = fields.Boolean(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class ExtensionSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    task_id = fields.String()
    requested_by = fields.String()
    reason = fields.String()
    requested_until = fields.DateTime()
    status = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String()


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class FailedJobSchema(Schema):
    id = fields.String()
    function = fields.String()
    args = fields.String()
    error = fields.String()
    failed_at = fields.DateTime(allow_none=True)


class SensorAlertSchema(Schema):
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    observed_at = fields.AwareDateTime(required=True)
    reading = fields.Dict(load_default=dict)
    grid = fields.String(load_default=None, allow_none=True)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address = fields.String(load_default="", validate=validate.Length(max=300))


class SensorIntakeSchema(Schema):
    case = fields.String(attribute="number")
    attached = fields.Boolean()
    alerts = fields.Integer()


class SpecialTaskCreateSchema(Schema):
    area = fields.String(load_default=None, allow_none=True)
    grids = fields.List(fields.String(), load_default=list, validate=validate.Length(max=500))
    rule = fields.String(load_default=None, allow_none=True)
    title = fields.String(load_default="", validate=validate.Length(max=200))
    instructions = fields.String(load_default="", validate=validate.Length(max=4000))
    category = fields.String(load_default=None, allow_none=True)
    deadline = fields.AwareDateTime(load_default=None, allow_none=True)


class AssessmentQuerySchema(Schema):
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)


class AssessmentRowSchema(Schema):
    department = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    reported_on_time = fields.Integer()
    reported_late = fields.Integer()
    late_marks = fields.Integer()
    conference_missed = fields.Integer()
    ratings = fields.Integer()
    average_score = fields.Float(allow_none=True)


class IndicatorQuerySchema(Schema):
    """``from`` and ``to`` are local days (YYYY-MM-DD), both included."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)
    by = fields.String(load_default="street")
    unit = fields.String(load_default=None)


class CareVisitCountSchema(Schema):
    """One grid's care visits in a period: counts only, no person."""

    grid = fields.String(attribute="grid_key")
    due = fields.Integer()
    done = fields.Integer()
    on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    missed = fields.Integer()
    overdue_now = fields.Integer()


class OrderCountSchema(Schema):
    """The volunteer orders one community (or street) posted in a period."""

    unit = fields.String(attribute="unit_key")
    posted = fields.Integer()
    filled = fields.Integer()
    escalated = fields.Integer()
    done = fields.Integer()
    hours = fields.Float()


class IndicatorCasesQuerySchema(IndicatorQuerySchema):
    measure = fields.String(required=True)
    key = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def _rates(row: Any) -> dict[str, Any]:
    return {
        name: {"value": r.value, "numerator": r.numerator, "denominator": r.denominator}
        for name, r in row.rates.items()
    }


def indicator_row(row: Any, reward: float | None = None) -> dict[str, Any]:
    """A row as the API contract says: key, name, the counts, then each rate."""
    found: dict[str, Any] = {"key": row.key, "name": row.name}
    for name, value in row.counts.items():
        if name == "closing_hours":
            closed = row.counts.get("closed") or 0
            found["average_handling_hours"] = round(value / closed, 1) if closed else None
        else:
            found[name] = int(value)
    found.update(_rates(row))
    if reward is not None:
        found["reward"] = reward
    return found


def indicator_table(table: Any) -> dict[str, Any]:
    return {
        "from": table.period.start.isoformat(),
        "to": table.period.end.isoformat(),
        "by": table.by,
        "unit": unit_ref(table.unit.key),
        "rows": [indicator_row(r, table.rewards.get(r.key)) for r in table.rows],
        "total": indicator_row(table.total),
    }


class CaseQuerySchema(Schema):
    """The case query's parameters (``status`` may list several, comma-separated; ``sort``
    is a field, ``-field`` for newest or latest first)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="")
    category = fields.String(load_default=None)
    event_code = fields.String(load_default=None)
    unit = fields.String(load_default=None)
    department = fields.String(load_default=None)
    channel = fields.String(load_default=None)
    mine = fields.Boolean(load_default=False)
    reporter = fields.String(load_default=None)
    reported_from = fields.Date(load_default=None)
    reported_to = fields.Date(load_default=None)
    closed_from = fields.Date(load_default=None)
    closed_to = fields.Date(load_default=None)
    overdue = fields.Boolean(load_default=False)
    q = fields.String(load_default=None)
    sort = fields.String(load_default="-reported")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @pre_load
    def _drop_empty(self, data: Any, **_: object) -> dict[str, Any]:
        """An empty parameter (a form's untouched field) behaves as absent."""
        return {k: v for k, v in data.items() if v != ""}

    @post_load
    def _to_query(self, data: dict[str, Any], **_: object) -> dict[str, Any]:
        sort = data.pop("sort")
        statuses = tuple(s for s in data.pop("status").split(",") if s)
        text = data.pop("q")
        return {
            **data,
            "statuses": statuses,
            "text": text,
            "sort": sort.lstrip("-"),
            "descending": sort.startswith("-"),
        }


class CasePageSchema(Schema):
    cases = fields.List(fields.Nested(CaseSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class TokenSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


class NewTokenSchema(Schema):
    username = fields.String(load_default=None)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    days = fields.Integer(
        load_default=TOKEN_DAYS,
        validate=validate.Range(min=1, max=MAX_TOKEN_DAYS),
    )


class CallerCasesSchema(Schema):
    cases = fields.List(fields.Nested(CallerCaseSchema))


class GrantSchema(Schema):
    role = fields.String()
    unit = fields.String()


class MeSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    grants = fields.List(fields.Nested(GrantSchema))


class TokenListSchema(Schema):
    tokens = fields.List(fields.Nested(TokenSchema))


class IssuedTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "the secret, shown this once"})


class AssessmentSchema(Schema):
    departments = fields.List(fields.Nested(AssessmentRowSchema))
