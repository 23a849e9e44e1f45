"""The contract between the diagrams and the code: the extension properties a BPMN element
may carry, declared once. Deploy refuses a file that breaks it; ``gridcase bpmn properties``
prints it and the README's table is checked against it.
"""

from __future__ import annotations

from engine.assignment import FORM_PROPERTY
from engine.properties import ANY_ELEMENT, USER_TASKS, PropertyRule
from workflows.domain.catalog import Catalog
from workflows.domain.statuses import STATUSES

TIMER_KINDS = frozenset({"warning", "overdue", "followup", "auto_close"})
# What a step means for the indicators (see ``domain/indicators.py``): the case is received
# by a department (registered), handled (feedback given), verified on site, evaluated by
# the reporter, or pressed by a supervisor.
MILESTONES = frozenset({"received", "handled", "verified", "evaluated", "supervised"})
WAIT_POINTS = frozenset({"userTask", "manualTask", "endEvent", "intermediateCatchEvent"})
TIMER_EVENTS = frozenset({"boundaryEvent", "intermediateCatchEvent"})


def bpmn_properties(catalog: Catalog) -> tuple[PropertyRule, ...]:
    """Every property a designer may use, with where it goes and what it may say."""
    return (
        PropertyRule(
            FORM_PROPERTY,
            "the task's JSON-schema form, a file in bpmn/forms/",
        ),
        PropertyRule(
            "unit",
            "the process variable holding the org unit whose role holders do the task",
            required=True,
        ),
        PropertyRule(
            "status",
            "the case status while the case waits here (or once it ends here)",
            elements=WAIT_POINTS,
            values=frozenset(STATUSES),
        ),
        PropertyRule("due", "the process variable holding the task's deadline (ISO time)"),
        PropertyRule(
            "warn",
            "the process variable holding the task's yellow-warning time; a changed deadline "
            "moves it with the deadline",
        ),
        PropertyRule(
            "subject",
            "the process variable saying what one of several parallel tasks is about "
            "(which department a rating is for)",
        ),
        PropertyRule(
            "shows",
            "process variables shown beside the task's form, comma-separated, titled as the "
            "form that asked for them; a photo field shows the report's photos next to those "
            "of the step that sent it",
            elements=USER_TASKS,
        ),
        PropertyRule(
            "lane",
            "the lane (role) of a task inside a subprocess drawn in another lane",
            elements=USER_TASKS,
            values=frozenset(catalog.lanes),
        ),
        PropertyRule(
            "milestone",
            "what the step means for the indicators: received (by a department), handled "
            "(feedback), verified (on site), evaluated (by the reporter), supervised",
            values=MILESTONES,
        ),
        PropertyRule(
            "emit",
            "an event raised when the flow passes here (catalog `events`: notices, alert "
            "level, department marks)",
            elements=ANY_ELEMENT,
            values=frozenset(catalog.events),
        ),
        PropertyRule(
            "timer",
            "what a timer means: warning and overdue are the attached task's warning and deadline",
            elements=TIMER_EVENTS,
            values=TIMER_KINDS,
        ),
    )
