"""The functions BPMN conditions, scripts and timer expressions may call. Nothing else is
visible to them. Times are ISO 8601 strings with a zone, as SpiffWorkflow's timers expect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from engine.clock import Clock
from workflows.domain.calendar import WorkCalendar
from workflows.domain.catalog import Catalog
from workflows.domain.org import OrgDirectory

REVIEW_LEVELS = ("community", "street", "district")


def bpmn_functions(
    directory: OrgDirectory, catalog: Catalog, calendar: WorkCalendar, clock: Clock
) -> dict[str, Callable[..., Any]]:
    """Build the registry of functions handed to the restricted evaluator; ``clock`` is the
    engine's, so deadlines computed in a diagram move with it."""
    now = clock.now

    def parent_unit(unit_key: str) -> str:
        """The reviewing level above a unit (community → street → district)."""
        parent = directory.parent(unit_key)
        if parent is None:
            raise ValueError(f"{unit_key} has no level above it")
        return parent.key

    def handle_deadline(
        category: str, priority: str, deadline: str | None, event_code: str | None = None
    ) -> str:
        """The handling deadline: the dispatcher's, or the catalog's limit from now (the
        event code's own limit where it has one)."""
        if deadline:
            return datetime.fromisoformat(deadline).astimezone(UTC).isoformat()
        limit = catalog.time_limit(category, priority, event_code)
        return calendar.add(now(), limit).isoformat()

    def warning_time(category: str, due: str) -> str:
        """When the yellow warning fires: the category's fraction of the time left."""
        start, end = now(), datetime.fromisoformat(due)
        fraction = catalog.category(category).warning_fraction
        return (start + (end - start) * fraction).isoformat()

    def step_due(step: str) -> str:
        """Deadline of a step around handling (review, dispatch, verify, evaluate)."""
        return calendar.add(now(), catalog.step_limit(step)).isoformat()

    def step_warning(step: str, category: str) -> str:
        return warning_time(category, step_due(step))

    def supervisor_unit(unit_key: str) -> str:
        """Where supervision of a step at ``unit_key`` happens: the reviewing level above."""
        unit = directory.territory_of(unit_key)
        parent = directory.parent(unit.key)
        if parent is not None and parent.level in REVIEW_LEVELS:
            return parent.key
        return unit.key

    def overdue_escalation(category: str, review_unit: str) -> str:
        """The responsible level after an overdue handling step (catalog rule per category)."""
        if not catalog.category(category).escalate_when_overdue:
            return review_unit
        parent = directory.parent(review_unit)
        return parent.key if parent is not None and parent.level in REVIEW_LEVELS else review_unit

    def street_of(unit_key: str) -> str:
        return directory.ancestor_at(unit_key, "street").key

    def community_of(unit_key: str) -> str:
        return directory.ancestor_at(unit_key, "community").key

    def convener_unit(review_unit: str) -> str:
        """Who convenes a joint conference: the street command for cases at community level
        or below, else the level the case is at (street or district)."""
        unit = directory.territory_of(review_unit)
        return street_of(unit.key) if unit.level in ("grid", "community") else unit.key

    def is_past(when: str) -> bool:
        return now() > datetime.fromisoformat(when)

    return {
        "parent_unit": parent_unit,
        "street_of": street_of,
        "community_of": community_of,
        "convener_unit": convener_unit,
        "is_past": is_past,
        **round_functions(now),
        "handle_deadline": handle_deadline,
        "warning_time": warning_time,
        "step_due": step_due,
        "step_warning": step_warning,
        "supervisor_unit": supervisor_unit,
        "overdue_escalation": overdue_escalation,
    }


def round_functions(now: Callable[[], datetime]) -> dict[str, Callable[..., Any]]:
    """Records made by one branch of a multi-instance round (one per department or grid) and
    the summaries built from them; the diagram collects the records into a list."""

    def opinion_record(department: str, text: str | None, can_lead: bool | None) -> dict:
        return {
            "department": department,
            "missed": text is None,
            "text": text or "",
            "can_lead": bool(can_lead),
        }

    def conference_decision(
        lead: str, co_handlers: list[str] | None, deadline: str, minutes: str, opinions: list
    ) -> dict:
        return {
            "lead": lead,
            "co_handlers": [d for d in co_handlers or [] if d != lead],
            "deadline": deadline,
            "minutes": minutes,
            "missed": [o["department"] for o in opinions if o["missed"]],
        }

    def conference_reason(mode: str | None, decision: str | None, return_count: int) -> str:
        """Why a case goes to the joint conference (the entry the diagram came through)."""
        if mode == "joint_conference":
            return "dispatch"
        if decision == "joint_conference":
            return "supervision"
        return "returned_twice"

    def joint_handlers(conference: dict) -> list[str]:
        return [conference["lead"], *conference["co_handlers"]]

    def report_in_record(department: str, due: str, officer: str) -> dict:
        at = now()
        return {
            "department": department,
            "officer": officer,
            "at": at.isoformat(),
            "on_time": at <= datetime.fromisoformat(due),
        }

    def whistle_result(departments: list[str], resolved: bool, result: str, record: str) -> dict:
        return {
            "departments": departments,
            "resolved": resolved,
            "result": result,
            "onsite_record": record,
        }

    def answer_record(grid: str, text: str | None, issues_found: int | None) -> dict:
        return {
            "grid": grid,
            "answered": text is not None,
            "text": text or "",
            "issues_found": issues_found or 0,
        }

    def summarise_answers(answers: list[dict]) -> dict:
        given = [a for a in answers if a["answered"]]
        missing = [a["grid"] for a in answers if not a["answered"]]
        return {
            "total": len(answers),
            "answered": len(given),
            "missing_count": len(missing),
            "missing": missing,
            "issues_found": sum(a["issues_found"] for a in given),
            "answers": given,
        }

    def service_request(category: str, description: str, notes: str, grid: str) -> dict:
        """What a welfare visit hands to a new closed-loop case (the ``report_case`` message)."""
        return {
            "category": category,
            "description": description,
            "notes": notes,
            "grid": grid,
            "channel": "sensor",
            "priority": "important",
        }

    return {
        "opinion_record": opinion_record,
        "conference_decision": conference_decision,
        "joint_handlers": joint_handlers,
        "conference_reason": conference_reason,
        "report_in_record": report_in_record,
        "whistle_result": whistle_result,
        "answer_record": answer_record,
        "summarise_answers": summarise_answers,
        "service_request": service_request,
    }
