"""Residents (随手拍): report from a phone without an account, follow the case by its
tracking link, see the photos before and after, and evaluate the result from that link.

A report from the public page is a case of channel ``resident_app`` opened by a resident:
anonymous, or signed in (an account without any role, made by :func:`sign_up`, whose
reports are listed under "my reports" and whose evaluation step is theirs). Either way the
case gets a tracking token; whoever holds the link is taken for the reporter — it shows
what the reporter may know and lets them evaluate, nothing else. The tracking page names
units, never staff, unless the catalog's ``residents.show_staff_names`` says so, and never
shows a phone number.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.models import TaskRecord
from workflows.adapters.models import Attachment, Case, User
from workflows.adapters.passwords import MIN_PASSWORD, hash_password
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import ConflictError, FieldErrors, NotFoundError
from workflows.domain.org import Unit
from workflows.domain.permissions import RESIDENT, Actor
from workflows.domain.privacy import is_phone, normalized_phone
from workflows.services import cases
from workflows.services.attachments import Upload
from workflows.services.context import GridcaseContext
from workflows.services.intake import NewCase

CHANNEL = "resident_app"
# Anyone reporting from the public page without signing in.
ANONYMOUS = Actor(0, RESIDENT, "居民", ())
# The milestones whose photos show the result ("after"); the report's own are "before".
AFTER = frozenset({"handled", "verified"})
# A report's fields as the public page names them.
RESIDENT_FIELDS = {
    "grid": "location",
    "lat": "location",
    "lon": "location",
    "reporter_phone": "phone",
}


@dataclass(frozen=True)
class Report:
    """What a resident sends: a photo first, the place, what is wrong."""

    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    phone: str = ""
    name: str = ""


@dataclass(frozen=True)
class Step:
    at: datetime
    title: str  # the step's name as the process names it
    unit: Unit | None  # the unit that did it
    person: str | None  # only when the catalog shows staff names


@dataclass(frozen=True)
class Tracking:
    """What the holder of a tracking link sees. ``case`` is the one they reported;
    ``followed`` the one that carries the work (another, when theirs was merged into it)."""

    token: str
    case: Case
    followed: Case
    steps: list[Step]
    before: list[Attachment]
    after: list[Attachment]
    evaluation: TaskRecord | None  # open while the reporter may evaluate
    schema: Mapping[str, Any] | None  # the evaluation's form


def report(
    ctx: GridcaseContext,
    resident: Actor | None,
    sent: Report,
    photos: Sequence[Upload] = (),
) -> str:
    """Register a resident's report with its photos, in one transaction; its tracking
    token (the link is ``/t/<token>``).

    Raises:
        FieldErrors: every problem at once (the photos, the category, the description, a
            place outside every grid or none, a phone number that is not one).
    """
    phone = sent.phone.strip()
    token = secrets.token_urlsafe(18)  # 24 characters
    new = NewCase(
        category=sent.category,
        description=sent.description,
        channel=CHANNEL,
        lat=sent.lat,
        lon=sent.lon,
        address=sent.address,
        reporter_name=sent.name.strip(),
        reporter_phone=normalized_phone(phone) if is_phone(phone) else phone,
        tracking_token=token,
    )
    try:
        cases.report(ctx, resident or ANONYMOUS, new, photos)
    except FieldErrors as err:
        raise FieldErrors(_as_resident_fields(err.fields, sent)) from None
    return token


def _as_resident_fields(fields: Mapping[str, list[str]], sent: Report) -> dict[str, list[str]]:
    """The page's own field names and words: no grid to name there, no category codes."""
    found = {RESIDENT_FIELDS.get(name, name): list(m) for name, m in fields.items()}
    if sent.lat is None or sent.lon is None:
        found["location"] = ["mark the place on the map, or let the browser find it"]
    elif "location" in found:
        found["location"] = ["this place is outside the area we serve: mark it inside the grids"]
    if "category" in found:
        found["category"] = ["choose what kind of problem it is"]
    return found


def tracking(ctx: GridcaseContext, token: str) -> Tracking:
    """The case behind a tracking link.

    Raises: NotFoundError for a token no case has.
    """
    with ctx.uow() as uow:
        return _tracking(ctx, uow, _by_token(uow, token))


def _by_token(uow: CaseUnitOfWork, token: str) -> Case:
    found = uow.cases.by_tracking_token(token) if token else None
    if found is None:
        raise NotFoundError("no report has this tracking link")
    return found


def _followed(uow: CaseUnitOfWork, case: Case) -> tuple[Case, Sequence[TaskRecord]]:
    """The case that carries the work (the reported one, or the one it was merged into)
    and that case's steps."""
    followed = uow.cases.get(case.duplicate_of_id) if case.duplicate_of_id else case
    tasks = uow.tasks.for_instance(followed.instance_id) if followed.instance_id else ()
    return followed, tasks


def _shown_files(
    uow: CaseUnitOfWork, case: Case, followed: Case, tasks: Sequence[TaskRecord]
) -> tuple[list[Attachment], list[Attachment]]:
    """The photos the link shows: before (the reports') and after (the result's)."""
    files = [*uow.attachments.for_case(case.id)]
    if followed is not case:
        files += uow.attachments.for_case(followed.id)
    milestones = {t.id: t.properties.get("milestone") for t in tasks}
    before = [f for f in files if f.task_id is None]
    after = [f for f in files if f.task_id and milestones.get(f.task_id) in AFTER]
    return before, after


def _tracking(ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case) -> Tracking:
    followed, tasks = _followed(uow, case)
    show_names = ctx.catalog.residents.show_staff_names
    done = sorted(
        (t for t in tasks if t.state == "completed" and t.completed_at is not None),
        key=lambda t: t.completed_at or t.created_at,
    )
    names = uow.users.display_names({t.completed_by for t in done if t.completed_by})
    steps = [
        Step(
            t.completed_at or t.created_at,
            t.title,
            _unit(ctx, t.unit_key),
            names.get(t.completed_by or "") if show_names else None,
        )
        for t in done
    ]
    before, after = _shown_files(uow, case, followed, tasks)
    evaluation = _evaluation(tasks)
    schema = None
    if evaluation is not None and evaluation.form:
        instance = uow.instances.get(evaluation.instance_id)
        schema = ctx.runtime.spec_of(uow, instance.version_id).forms.get(evaluation.form)
    token = case.tracking_token or ""
    return Tracking(token, case, followed, steps, before, after, evaluation, schema)


def _unit(ctx: GridcaseContext, key: str | None) -> Unit | None:
    return ctx.directory.get(key) if key and key in ctx.directory else None


def _evaluation(tasks: Sequence[TaskRecord]) -> TaskRecord | None:
    """The reporter's open evaluation step, if there is one."""
    return next(
        (t for t in tasks if t.state == "ready" and t.properties.get("milestone") == "evaluated"),
        None,
    )


def evaluate(ctx: GridcaseContext, token: str, answers: Mapping[str, Any]) -> Tracking:
    """The reporter's evaluation, given from the tracking link: the one completion path,
    recorded as the resident, in one transaction.

    Raises:
        NotFoundError: unknown link.
        ConflictError: there is nothing to evaluate (not closed yet, or evaluated already).
        FieldErrors: the answers break the evaluation's form.
    """
    with ctx.uow() as uow:
        case = _by_token(uow, token)
        followed, tasks = _followed(uow, case)
        record = _evaluation(tasks)
        if record is None:
            raise ConflictError("there is nothing to evaluate now")
        cases.complete_in(ctx, uow, ANONYMOUS, followed, record, answers, None, "", by_link=True)
        uow.commit()
        return _tracking(ctx, uow, case)


def photo(ctx: GridcaseContext, token: str, attachment_id: int) -> tuple[Attachment, Path]:
    """A photo the tracking page shows (before or after), and where it is stored.

    Raises: NotFoundError for an unknown link or a file the page does not show.
    """
    with ctx.uow() as uow:
        case = _by_token(uow, token)
        before, after = _shown_files(uow, case, *_followed(uow, case))
    for row in [*before, *after]:
        if row.id == attachment_id:
            return row, ctx.files.path(row.stored_as)
    raise NotFoundError("no such photo for this report")


def my_reports(ctx: GridcaseContext, resident: Actor, limit: int = 100) -> Sequence[Case]:
    """A signed-in resident's reports from the public page, newest first."""
    with ctx.uow() as uow:
        return uow.cases.tracked(user_id=resident.user_id, limit=limit)


def sign_up(ctx: GridcaseContext, phone: str, name: str, password: str) -> Actor:
    """Open a resident's account (the phone number is the user name; no role anywhere).

    Raises:
        FieldErrors: a phone number that is not one or is taken, no name, a short password.
    """
    errors: dict[str, list[str]] = {}
    if not is_phone(phone):
        errors["phone"] = ["a phone number, digits only"]
    if not name.strip():
        errors["name"] = ["give your name (shown to the staff who handle your reports)"]
    if len(password) < MIN_PASSWORD:
        errors["password"] = ["at least 8 characters"]
    if errors:
        raise FieldErrors(errors)
    username = normalized_phone(phone)
    with ctx.uow() as uow:
        if uow.users.by_username(username) is not None:
            raise FieldErrors({"phone": ["this number has an account already: sign in"]})
        user = User(
            username=username,
            display_name=name.strip()[:100],
            password_hash=hash_password(password),
        )
        uow.users.add(user)
        uow.commit()
        return Actor(user.id, user.username, user.display_name, ())


def is_resident(actor: Actor | None) -> bool:
    """A signed-in person without any role: a resident's account."""
    return actor is not None and not actor.grants
