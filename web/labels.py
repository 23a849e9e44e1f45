"""Words for codes shown in pages (statuses, roles, journal actions, links), translated, and
the plain-language answer to "why is this case waiting?"."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask_babel import LazyString, format_datetime, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.i18n import choice_titles, field_title, is_english, split_title, tr
from workflows.domain.catalog import Catalog
from workflows.domain.org import OrgDirectory
from workflows.domain.permissions import RESIDENT
from workflows.domain.statuses import is_closed
from workflows.services.cases import CaseDetail

STATUS = {
    "reported": _l("Reported"),
    "verifying": _l("Verifying"),
    "registered": _l("Registered"),
    "dispatched": _l("Dispatched"),
    "in_progress": _l("In progress"),
    "coordinating": _l("Coordinating"),
    "resolved": _l("Resolved"),
    "checking": _l("Checking"),
    "closed": _l("Closed"),
    "evaluated": _l("Evaluated"),
    "rejected": _l("Rejected"),
    "merged": _l("Merged"),
}
SATISFACTION = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
    "satisfied_by_default": _l("Satisfied by default (no evaluation in time)"),
}
# Who did a step, when it was no person with an account.
# Every time on a page reads the same way, in either language: the city's clock to the minute.
MINUTE = "yyyy-MM-dd HH:mm"
ACTORS = {
    "system": _l("system"),
    "timer": _l("the time limit"),
    "demo": _l("demo data"),
    RESIDENT: _l("a resident (public page)"),
}
ACTIONS = {
    "started": _l("Reported, process started"),
    "opened": _l("Task opened"),
    "completed": _l("Task completed"),
    "cancelled": _l("Task withdrawn"),
    "claimed": _l("Claimed"),
    "unclaimed": _l("Given back"),
    "warning": _l("Yellow warning"),
    "overdue": _l("Overdue"),
    "ended": _l("Process ended"),
    "message_sent": _l("Message sent"),
    "message_received": _l("Message received"),
    "alert_attached": _l("Repeat device alert"),
    "stability_alert": _l("Stability alert"),
    "reopened": _l("Reopened"),
    "conference_missed": _l("Missed the conference time box"),
    "callin_late": _l("Late to report in"),
    "callin_reported": _l("Reported in"),
    "department_rated": _l("Rated"),
    "received": _l("Signed for the case"),
    "returned": _l("Returned the case"),
    "reworked": _l("Had to rework"),
    "supervised": _l("Was supervised"),
    "special_task_missed": _l("Grid did not answer"),
    "special_task_summary": _l("Summary made"),
    "reassigned": _l("Reassigned"),
    "deadline_moved": _l("Deadline changed"),
    "suspended": _l("Suspended"),
    "resumed": _l("Resumed"),
    "terminated": _l("Terminated"),
    "timer_fired_by_hand": _l("Timer fired by a supervisor"),
    "timer_moved": _l("Timer moved"),
    "error": _l("A step failed"),
    "retried": _l("Failed step retried"),
    "moved": _l("Moved to another step"),
    "migrated": _l("Migrated to a new process version"),
    "data_edited": _l("Case data edited"),
    "delegated": _l("Delegated"),
    "substitute_set": _l("Substitute named"),
    "substituted": _l("Taken over by the substitute"),
    "substitute_cancelled": _l("Substitution ended"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_refused": _l("Extension refused"),
}
LINKS = {
    "joint_conference": _l("Joint conference"),
    "whistle_callin": _l("Whistle call-in"),
    "service": _l("Service case"),
}
# Messages the service layer raises most, so the catalogue carries their translation.
SERVICE_MESSAGES = (
    _l("a phone number, digits only"),
    _l("mark the place on the map, or let the browser find it"),
    _l("this place is outside the area we serve: mark it inside the grids"),
    _l("choose what kind of problem it is"),
    _l("give your name (shown to the staff who handle your reports)"),
    _l("at least 8 characters"),
    _l("this is not your current password"),
    _l("nobody there may take this step"),
    _l("nobody there may take these steps"),
    _l("choose a password different from the current one"),
    _l("this number has an account already: sign in"),
    _l("there is nothing to evaluate now"),
    _l("no report has this tracking link"),
    _l("no such photo for this report"),
    _l("write the answer given to the caller"),
    _l("formats are json and xml"),
    _l("not served here"),
    _l("no such service"),
    _l("no such request"),
    _l("api_key is required"),
    _l("invalid api_key"),
    _l("service_code is required"),
    _l("give a location: lat and long, or address_string"),
    _l("address ids are not known here: send lat and long"),
    _l("an address_string needs attribute[grid]"),
    _l("plain text only: no HTML"),
    _l("at most 4000 characters"),
    _l("open or closed"),
    _l("before start_date"),
    _l("the range may not span more than 90 days"),
    _l("give the time zone"),
    _l("a number"),
    _l("a W3C datetime, e.g. 2026-01-01T00:00:00Z"),
    _l("this field is required"),
    _l("unknown field"),
    _l("give a reason"),
    _l("give a reason: it goes on the case's timeline"),
    _l("give a unit or a person"),
    _l("the new deadline must be in the future"),
    _l("the new time must be in the future; fire it now instead"),
    _l("nothing changed"),
    _l("describe what you saw"),
    _l("only JPEG, PNG, WebP or PDF"),
    _l("larger than 8 MB"),
    _l("at most 9 files"),
    _l("not a known unit"),
    _l("not a known category"),
    _l("not a known priority"),
    _l("not an editable variable"),
    _l("give the month as YYYY-MM"),
    _l("the place lies outside every grid: name the grid"),
    _l("request body is not valid JSON"),
)
TIMERS = {
    "warning": _l("the yellow warning"),
    "overdue": _l("the deadline"),
    "followup": _l("the follow-up visit"),
}


# The key-person register: its fields (in change lists and import reports), the journal's
# actions, the steps of a care visit.
PERSON_FIELDS = {
    "name": _l("Full name"),
    "grid": _l("Grid"),
    "grid_key": _l("Grid"),
    "id_number": _l("ID number"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "categories": _l("Categories"),
    "risk_level": _l("Risk level"),
    "guardians": _l("Guardians"),
    "notes": _l("Notes"),
    "device_id": _l("Linked device"),
    "file": _l("File"),
}
PERSON_CHANGES = {
    "created": _l("added"),
    "imported": _l("imported"),
    "updated": _l("changed"),
    "visited": _l("visited"),
    "removed": _l("taken off the register"),
    "erased": _l("erased after the retention period"),
    "alerted": _l("device alert"),
}
CARE_STEPS = {"visit": _l("Care visit"), "press_visit": _l("Press the missed visit")}


def globals_for(directory: OrgDirectory, catalog: Catalog) -> dict[str, Any]:
    """Template globals (also visible inside imported macros); names resolve per request."""
    return {
        "directory": directory,
        "catalog": catalog,
        "answers": functools.partial(answers, catalog=catalog),
        "variable_changes": functools.partial(
            variable_changes, directory=directory, catalog=catalog
        ),
        "is_closed": is_closed,
        "status_names": STATUS,
        "satisfaction_names": SATISFACTION,
        "actor_names": ACTORS,
        "action_names": ACTIONS,
        "link_names": LINKS,
        "track_steps": TRACK_STEPS,
        "field_names": PERSON_FIELDS,
        "change_names": PERSON_CHANGES,
        "care_steps": CARE_STEPS,
        "role_names": {code: LazyString(tr, r) for code, r in catalog.roles.items()},
    }


def why_waiting(detail: CaseDetail, directory: OrgDirectory, roles: dict[str, Any]) -> list[str]:
    """Sentences: which task is held by whom since when, which timer fires when, which
    message or linked case the process waits for."""
    lines = []
    if detail.error:
        lines.append(
            _(
                "A step failed in the background and the case is stuck there: %(error)s. "
                "A supervisor can fix its cause and retry it.",
                error=detail.error,
            )
        )
    if detail.case.suspended:
        lines.append(_("The case is suspended: its clocks are stopped until someone resumes it."))
    for view in detail.tasks:
        t = view.task
        if t.state != "ready":
            continue
        unit = tr(directory.get(t.unit_key)) if t.unit_key in directory else t.unit_key
        role = tr(roles[t.role]) if t.role in roles else t.role
        if t.assignee:
            since = format_datetime(t.claimed_at or t.created_at, MINUTE)
            lines.append(
                _(
                    "“%(task)s” is held by %(user)s since %(since)s.",
                    task=split_title(t.title),
                    user=detail.people.get(t.assignee, t.assignee),
                    since=since,
                )
            )
        else:
            lines.append(
                _(
                    "“%(task)s” waits for a %(role)s of %(unit)s to take it "
                    "(open since %(since)s).",
                    task=split_title(t.title),
                    role=role,
                    unit=unit,
                    since=format_datetime(t.created_at, MINUTE),
                )
            )
    for timer in sorted(detail.timers, key=lambda x: x.due):
        what = TIMERS.get(timer.kind or "", _l("a timer"))
        lines.append(
            _(
                "%(what)s fires at %(due)s.",
                what=str(what).capitalize(),
                due=format_datetime(timer.due, MINUTE),
            )
        )
    for awaited in detail.awaited:
        child = awaited.case
        if child is not None:
            lines.append(
                _(
                    "The process waits for linked case %(number)s (%(kind)s) to finish its part.",
                    number=child.number,
                    kind=LINKS.get(child.link_kind or "", ""),
                )
            )
        else:
            lines.append(_("The process waits for word from another case or system."))
    return lines


# What a step means for the indicators, and what a timer means (the BPMN contract's values,
# for the process editor's selects).
MILESTONE_NAMES = {
    "received": _l("received by the department"),
    "handled": _l("handled (feedback)"),
    "verified": _l("verified on site"),
    "evaluated": _l("evaluated by the reporter"),
    "supervised": _l("supervised"),
}
TIMER_NAMES = {
    "warning": _l("yellow warning"),
    "overdue": _l("red overdue"),
    "followup": _l("follow-up visit"),
    "auto_close": _l("closes by itself"),
}
# The closed loop's steps (workflows/domain/step_tracker.py).
TRACK_STEPS = {
    "report": lazy_pgettext("step", "Report"),
    "accept": lazy_pgettext("step", "Accept"),
    "dispatch": lazy_pgettext("step", "Dispatch"),
    "handle": lazy_pgettext("step", "Handle"),
    "verify": lazy_pgettext("step", "Verify"),
    "close": lazy_pgettext("step", "Close"),
    "evaluate": lazy_pgettext("step", "Evaluate"),
}
# Process variables a supervisor may edit, by what they mean to a reader.
VARIABLES = {
    "grid": _l("Grid"),
    "review_unit": _l("Level"),
    "department": _l("Department"),
    "category": _l("Category"),
    "event_code": _l("Event type"),
    "priority": _l("Priority"),
    "handle_due": _l("Handling deadline"),
    "handle_warn": _l("Warning time"),
    "escalation_count": _l("Times escalated"),
    "return_count": _l("Times returned"),
    "rework_count": _l("Times reworked"),
}


def variable_changes(
    payload: dict[str, Any], directory: OrgDirectory, catalog: Catalog
) -> list[tuple[str, str, str]]:
    """A supervisor's variable edit as (what, before, after) in words: units by name,
    priorities and categories by title, times on the city's clock."""

    def plain(name: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        if isinstance(value, str) and value in directory:
            return tr(directory.get(value))
        if name == "priority" and value in catalog.priorities:
            return tr(catalog.priorities[value])
        if name == "category" and value in catalog.categories:
            return f"{value} {tr(catalog.categories[value])}"
        if isinstance(value, str) and "T" in value:
            try:
                return format_datetime(datetime.fromisoformat(value), MINUTE)
            except ValueError:
                return value
        return str(value)

    before = payload.get("before", {})
    return [
        (str(VARIABLES.get(name, name)), plain(name, before.get(name)), plain(name, value))
        for name, value in payload.get("after", {}).items()
    ]


def answers(
    payload: dict[str, Any],
    schema: dict[str, Any] | None,
    directory: OrgDirectory,
    catalog: Catalog | None = None,
) -> list[tuple[str, str]]:
    """A completed task's answers as (field title, shown value): choices by their titles,
    departments, categories and event codes by name; photos and empty values left out."""
    props = (schema or {}).get("properties", {})
    shown = []
    for name, value in payload.items():
        spec = props.get(name, {})
        if value in (None, "", []) or spec.get("x-widget") == "photos":
            continue
        values = value if isinstance(value, list) else [value]
        if "enum" in spec:
            titles = dict(zip(spec["enum"], choice_titles(spec), strict=False))
            values = [titles.get(v, v) for v in values]
        elif isinstance(value, bool):
            values = [_("Yes") if value else _("No")]
        elif catalog is not None and spec.get("x-widget") == "category":
            values = [
                f"{v} {tr(catalog.categories[v])}" if v in catalog.categories else v for v in values
            ]
        elif catalog is not None and spec.get("x-widget") == "event_code":
            values = [
                f"{v} {tr(catalog.subclasses[v])}" if v in catalog.subclasses else v for v in values
            ]
        values = [
            tr(directory.get(v)) if isinstance(v, str) and v in directory else v for v in values
        ]
        joined = (", " if is_english() else "、").join(str(v) for v in values)
        shown.append((field_title(spec, name), joined))
    return shown
