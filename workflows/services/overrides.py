"""Supervisors' overrides: reassign, change a deadline, fire or move a timer, take a shortcut,
go back to a completed step, edit process variables, retry a failed step, terminate — each
with a reason, allowed to those who may override the case (supervisors of its area and the
district command centre), recorded on the case's timeline, one transaction each; and the
same in bulk with a result per case. Completing a step in its holder's place is the normal
completion (``cases.complete`` with a reason)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import instances, steering
from engine import timers as instance_timers
from engine.assignment import Assignment
from engine.errors import GridcaseError
from workflows.adapters.models import Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import (
    ConflictError,
    FieldErrors,
    ForbiddenError,
    NotFoundError,
    Phrase,
)
from workflows.domain.org import Unit
from workflows.domain.permissions import OVERRIDE, Actor
from workflows.domain.task_forms import answer_problems
from workflows.services import deadlines
from workflows.services.case_progress import schedule, settle
from workflows.services.cases import CaseDetail, complete_in
from workflows.services.context import GridcaseContext

IDENTITY = frozenset({"case_id", "case_number", "reporter_user"})
GRID = "grid"  # the process variable of the case's grid: editing it moves the case
MAX_NUMBER = 1_000_000  # numbers a supervisor may give a variable (counters, amounts)
MAX_TEXT = 2_000


@dataclass(frozen=True)
class BulkResult:
    number: str
    ok: bool
    message: str = ""


@contextmanager
def _overriding(
    ctx: GridcaseContext,
    actor: Actor,
    reason: str,
    *,
    number: str | None = None,
    task_id: str | None = None,
) -> Iterator[tuple[CaseUnitOfWork, Case]]:
    """One override on the case with ``number`` (or of the task ``task_id``): check the
    reason and the right to override, hand over the unit of work and the case, commit when
    the block ends without error."""
    if not reason.strip():
        raise FieldErrors({"reason": ["give a reason: it goes on the case's timeline"]})
    with ctx.uow() as uow:
        if number is None:
            case = uow.cases.by_instance(uow.tasks.get(task_id or "").instance_id)
        else:
            case = uow.cases.by_number(number)
        if not ctx.permissions.may_override(actor, case):
            raise ForbiddenError(f"{actor.username} does not supervise {case.number}")
        if case.instance_id is None:
            raise ConflictError(f"{case.number} has no process")
        yield uow, case
        uow.commit()


def reassign(
    ctx: GridcaseContext,
    actor: Actor,
    task_id: str,
    reason: str,
    *,
    unit: str | None = None,
    person: str | None = None,
) -> str:
    """Give a waiting task to another unit (same role) and/or a named person; returns the
    case number. A new unit also goes into the variable the task's ``unit`` property names,
    so later steps (e.g. handling after signing) follow it.

    Raises: FieldErrors (no target, unknown unit or user, no reason), ForbiddenError,
    ConflictError (the task is finished).
    """
    with _overriding(ctx, actor, reason, task_id=task_id) as (uow, case):
        _reassign_in(ctx, uow, actor, case, task_id, reason, unit, person)
    return case.number


def reassign_case(
    ctx: GridcaseContext,
    actor: Actor,
    number: str,
    reason: str,
    *,
    unit: str | None = None,
    person: str | None = None,
) -> int:
    """Reassign every waiting task of a case at once (the bulk form of :func:`reassign`).

    Raises: as :func:`reassign`; ConflictError when no task waits.
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        ready = list(uow.tasks.ready_for_instance(case.instance_id or 0))
        if not ready:
            raise ConflictError(Phrase("%(number)s has no waiting step", number=number))
        target = _target_unit(ctx, unit)
        moved = 0
        for record in ready:
            if target is None or uow.users.holders(record.role, target.key):
                _reassign_in(ctx, uow, actor, case, record.id, reason, unit, person)
                moved += 1
            elif target.is_department and _follow_department(
                ctx, uow, actor, case, record.id, target, reason
            ):
                moved += 1  # e.g. a supervision step: whatever it leads back to goes there
        if not moved and target is not None:
            raise FieldErrors({"unit": [f"{target.name_zh}: nobody there may take these steps"]})
    return moved


def _target_unit(ctx: GridcaseContext, unit: str | None) -> Unit | None:
    if not unit:
        return None
    if unit not in ctx.directory:
        raise FieldErrors({"unit": [Phrase("unknown unit %(unit)s", unit=unit)]})
    return ctx.directory.get(unit)


def _follow_department(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case,
    task_id: str,
    target: Unit,
    reason: str,
) -> bool:
    """Point the case's department at ``target`` from a waiting step that stays where it is
    (a supervision: what it leads back to goes there), on the timeline with the reason;
    False when the case has no department yet or its process keeps none."""
    variable = next(
        (v.variable for v in ctx.catalog.case_variables if v.field == "department_key"), None
    )
    if variable is None or not case.department_key:  # the row copies the process's variable
        return False
    instance = uow.instances.get(case.instance_id or 0)
    pointed = steering.point_variable(uow, ctx.runtime, instance, task_id, variable, target.key)
    payload = {"to": {"unit": target.key}, "variable": variable}
    instances.journal(uow, instance, actor.username, "reassigned", reason=reason, payload=payload)
    settle(ctx, uow, case, pointed)
    return True


def _reassign_in(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case,
    task_id: str,
    reason: str,
    unit: str | None,
    person: str | None,
) -> None:
    if not unit and not person:
        raise FieldErrors({"unit": ["give a unit or a person"]})
    target = _target_unit(ctx, unit)
    if person and uow.users.by_username(person) is None:
        raise FieldErrors({"person": [Phrase("no user %(name)s", name=person)]})
    record = uow.tasks.get(task_id)
    if target is not None and not uow.users.holders(record.role, target.key):
        raise FieldErrors({"unit": [f"{target.name_zh}: nobody there may take this step"]})
    instances.reassign_task(
        uow,
        task_id,
        Assignment(
            role=record.role,
            unit_key=target.key if target else None,
            unit_path=target.path if target else None,
            assignee=person or None,
        ),
        actor.username,
        reason,
    )
    case.updated_at = uow.now()
    if target is not None:
        instance = uow.instances.get(record.instance_id)
        moved = steering.point_unit_variable(uow, ctx.runtime, instance, task_id, target.key)
        if moved is not None:
            settle(ctx, uow, case, moved)


def change_deadline(
    ctx: GridcaseContext, actor: Actor, number: str, due: datetime, reason: str
) -> None:
    """Move the deadline (and warning) of every waiting step of a case.

    Raises: FieldErrors (past deadline, no reason), ForbiddenError, ConflictError (no
    deadline timer waits).
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        deadlines.move_deadline(ctx, uow, case, due, actor.username, reason)


def fire_timer(ctx: GridcaseContext, actor: Actor, number: str, timer_id: str, reason: str) -> None:
    """Raises: FieldErrors, ForbiddenError, ConflictError, NotFoundError (no such timer)."""
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        transition = instance_timers.fire_timer_now(
            uow, ctx.runtime, case.instance_id or 0, timer_id, actor.username, reason
        )
        settle(ctx, uow, case, transition)


def move_timer(
    ctx: GridcaseContext, actor: Actor, number: str, timer_id: str, due: datetime, reason: str
) -> None:
    """Raises: FieldErrors (a past time, no reason), ForbiddenError, ConflictError,
    NotFoundError (no such waiting timer)."""
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        if due <= uow.now():
            raise FieldErrors({"due": ["the new time must be in the future; fire it now instead"]})
        transition = instance_timers.move_timer(
            uow, ctx.runtime, case.instance_id or 0, timer_id, due, actor.username, reason
        )
        settle(ctx, uow, case, transition)


@dataclass(frozen=True)
class Shortcut:
    """A catalog shortcut a supervisor can take on a case now, with the part of the step's
    form they fill in."""

    name: str
    spec: Mapping[str, Any]
    asked: dict[str, Any]


def shortcuts(ctx: GridcaseContext, detail: CaseDetail) -> list[Shortcut]:
    """The shortcuts of the case's process whose step the case has reached (waiting there
    or done): only those can be taken."""
    found = []
    for name, spec in ctx.catalog.shortcuts.items():
        if spec["process"] != detail.case.process_id:
            continue
        view = next((t for t in detail.tasks if t.task.element_id == spec["step"]), None)
        if view is None:
            continue
        props = (view.form_schema or {}).get("properties", {})
        asked = {"properties": {k: props[k] for k in spec.get("ask", ()) if k in props}}
        found.append(Shortcut(name, spec, asked))
    return found


def take_shortcut(
    ctx: GridcaseContext,
    actor: Actor,
    number: str,
    name: str,
    asked: Mapping[str, Any],
    reason: str,
) -> None:
    """Send the case through a shortcut's step with its answers: the step is completed in
    its holder's place if it waits, or the case first goes back to it. All or nothing.

    Raises: FieldErrors (the answers break the step's form), ForbiddenError, ConflictError,
    NotFoundError (no such shortcut, or the case never reached the step).
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        spec = ctx.catalog.shortcuts.get(name)
        if spec is None or spec["process"] != case.process_id:
            raise NotFoundError(f"no shortcut {name!r} for {case.process_id}")
        instance = uow.instances.get(case.instance_id or 0)
        step = spec["step"]
        waiting = [t for t in uow.tasks.ready_for_instance(instance.id) if t.element_id == step]
        if not waiting:
            steering.rewind(uow, ctx.runtime, instance, step, actor.username, reason)
            waiting = [t for t in uow.tasks.ready_for_instance(instance.id) if t.element_id == step]
        answers = {k: v for k, v in asked.items() if k in spec.get("ask", ())}
        answers |= spec["answers"]
        if spec.get("reason_field"):
            answers[spec["reason_field"]] = reason
        complete_in(ctx, uow, actor, case, waiting[0], answers, None, reason)


def retry(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> None:
    """Run a failed step again (after fixing its cause, e.g. by editing variables).

    Raises: FieldErrors, ForbiddenError, ConflictError (nothing failed), WorkflowStepError
    (it failed again; the error stays recorded).
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        transition = instance_timers.retry(
            uow, ctx.runtime, case.instance_id or 0, actor.username, reason
        )
        settle(ctx, uow, case, transition)


def rewind(ctx: GridcaseContext, actor: Actor, number: str, element_id: str, reason: str) -> None:
    """Send the case back to a step it has done; what followed is withdrawn.

    Raises: FieldErrors, ForbiddenError, ConflictError, NotFoundError (step never done).
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        instance = uow.instances.get(case.instance_id or 0)
        transition = steering.rewind(uow, ctx.runtime, instance, element_id, actor.username, reason)
        settle(ctx, uow, case, transition)


def editable_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Process variables a supervisor may edit: plain values (text, numbers, yes/no), not
    the ones that tie the process to its case."""
    return {
        k: v
        for k, v in sorted(data.items())
        if k not in IDENTITY and not k.startswith("_") and isinstance(v, str | int | float | bool)
    }


def edit_data(
    ctx: GridcaseContext, actor: Actor, number: str, posted: Mapping[str, str], reason: str
) -> dict[str, Any]:
    """Change plain process variables from posted text (typed like the current value);
    returns the changes.

    Raises: FieldErrors (unknown variable, wrong type, nothing changed), ForbiddenError,
    ConflictError.
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        instance = uow.instances.get(case.instance_id or 0)
        current = editable_data(instances.snapshot(uow, ctx.runtime, instance).data)
        changes: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for key, raw in posted.items():
            if key not in current:
                errors[key] = ["not an editable variable"]
                continue
            try:
                value = _typed_like(current[key], raw.strip())
            except ValueError:
                errors[key] = [Phrase("expected a value like %(example)s", example=current[key])]
                continue
            problem = _bounds_problem(value) or _domain_problem(ctx, current[key], key, value)
            if not problem and key == GRID:
                problem = _grid_problem(ctx, actor, value)
            if problem:
                errors[key] = [problem]
            elif value != current[key]:
                changes[key] = value
        if errors:
            raise FieldErrors(errors)
        if not changes:
            raise FieldErrors({"_form": ["nothing changed"]})
        problems = answer_problems(changes, case.review_unit_key, ctx.directory, ctx.catalog)
        if problems:
            raise FieldErrors(problems)
        transition = steering.edit_data(uow, ctx.runtime, instance, changes, actor.username, reason)
        if GRID in changes:
            _move_to_grid(ctx, case, changes[GRID])
        settle(ctx, uow, case, transition)
    return changes


def _bounds_problem(value: Any) -> str | None:
    """What a plain variable may hold at all (a counter of 4,300 digits broke the case row)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -MAX_NUMBER <= value <= MAX_NUMBER:
        return f"a whole number between -{MAX_NUMBER} and {MAX_NUMBER}"
    if isinstance(value, float) and not (math.isfinite(value) and abs(value) <= MAX_NUMBER):
        return f"a number between -{MAX_NUMBER} and {MAX_NUMBER}"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"at most {MAX_TEXT} characters"
    return None


def _grid_problem(ctx: GridcaseContext, actor: Actor, value: Any) -> str | None:
    """The case's grid may change only to another grid of the supervisor's area."""
    unit = ctx.directory.get(value) if value in ctx.directory else None
    if unit is None or unit.level != "grid":
        return "not a grid"
    if not ctx.permissions.covers(actor, OVERRIDE, unit.key):
        return "a grid outside your area"
    return None


def _move_to_grid(ctx: GridcaseContext, case: Case, grid: str) -> None:
    """The case row follows its process to the new grid (its community and street too)."""
    directory = ctx.directory
    case.grid_key = grid
    case.community_key = directory.ancestor_key_at(grid, "community")
    case.street_key = directory.ancestor_key_at(grid, "street")


def _domain_problem(ctx: GridcaseContext, current: Any, key: str, value: Any) -> str | None:
    """A variable that holds a unit, a category or a priority keeps holding a known one."""
    if isinstance(current, str) and current in ctx.directory and value not in ctx.directory:
        return "not a known unit"
    if key == "category" and value not in ctx.catalog.categories:
        return "not a known category"
    if key == "priority" and value not in ctx.catalog.priorities:
        return "not a known priority"
    return None


def _typed_like(current: Any, raw: str) -> Any:
    if isinstance(current, bool):
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    return raw


def terminate(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> None:
    """End the case and its process for good.

    Raises: FieldErrors, ForbiddenError, ConflictError (already ended).
    """
    with _overriding(ctx, actor, reason, number=number) as (uow, case):
        instance = uow.instances.get(case.instance_id or 0)
        transition = instances.terminate(uow, ctx.runtime, instance, actor.username, reason)
        case.status = "closed"
        case.closed_at = case.updated_at = uow.now()
        schedule(ctx, uow, [transition])


def bulk(numbers: Sequence[str], operation: Callable[[str], object]) -> list[BulkResult]:
    """Run one override per case; a failure is reported for its case and the rest go on."""
    results = []
    for number in dict.fromkeys(numbers):
        try:
            operation(number)
        except GridcaseError as err:
            results.append(BulkResult(number, False, err.said))  # a Phrase stays one
        else:
            results.append(BulkResult(number, True))
    return results
