"""Supervisors' overrides: reassign, change a deadline, fire a timer now, go back to a
completed step, complete a step on its holder's behalf, edit process variables, terminate —
each with a reason, allowed to supervisors of the case's area (and the district command centre),
recorded on the case's timeline; and the same in bulk with a result per case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import clock, instances, steering
from engine.db import utcnow
from engine.errors import GridcaseError
from engine.instances import Assignment
from engine.models import TaskRecord
from workflows.auth import Actor
from workflows.cases import check_domain_rules
from workflows.context import GridcaseContext
from workflows.deadlines import warning_before
from workflows.errors import ConflictError, FieldErrors, ForbiddenError, NotFoundError
from workflows.forms import validate_form
from workflows.models import Case
from workflows.progress import after_commit, settle
from workflows.uow import CaseUnitOfWork

OVERRIDERS = ("supervisor", "district_command")


@dataclass(frozen=True)
class BulkResult:
    number: str
    ok: bool
    message: str = ""


def supervised_paths(ctx: GridcaseContext, actor: Actor) -> tuple[str, ...]:
    """Paths of the units the actor supervises (or commands); their subtrees are in reach."""
    units = {u for role in OVERRIDERS for u in actor.units_with(role) if u in ctx.directory}
    return tuple(sorted(ctx.directory.get(u).path for u in units))


def may_override(ctx: GridcaseContext, actor: Actor, case: Case) -> bool:
    """A supervisor (or the command centre) of a unit whose subtree holds the case's grid."""
    grid_path = ctx.directory.get(case.grid_key).path
    return any(grid_path.startswith(path) for path in supervised_paths(ctx, actor))


def _check(ctx: GridcaseContext, actor: Actor, case: Case, reason: str) -> None:
    if not reason.strip():
        raise FieldErrors({"reason": ["give a reason: it goes on the case's timeline"]})
    if not may_override(ctx, actor, case):
        raise ForbiddenError(f"{actor.username} does not supervise {case.number}")
    if case.instance_id is None:
        raise ConflictError(f"{case.number} has no process")


def reassign(
    ctx: GridcaseContext,
    actor: Actor,
    task_id: str,
    reason: str,
    *,
    unit: str | None = None,
    person: str | None = None,
) -> str:
    """Give a waiting task to another unit (same role) and/or a named person. A new unit
    also goes into the variable the task's ``unit`` property names, so later steps (e.g.
    handling after signing) follow it.

    Raises: FieldErrors (no target, unknown unit or user, no reason), ForbiddenError,
    ConflictError (the task is finished).
    """
    if not unit and not person:
        raise FieldErrors({"unit": ["give a unit or a person"]})
    with ctx.uow() as uow:
        record = uow.tasks.get(task_id)
        case = uow.cases.by_instance(record.instance_id)
        _check(ctx, actor, case, reason)
        target_unit = None
        if unit:
            if unit not in ctx.directory:
                raise FieldErrors({"unit": [f"unknown unit {unit!r}"]})
            target_unit = ctx.directory.get(unit)
        if person and uow.users.by_username(person) is None:
            raise FieldErrors({"person": [f"unknown user {person!r}"]})
        instances.reassign_task(
            uow,
            task_id,
            Assignment(
                role=record.role,
                unit_key=target_unit.key if target_unit else None,
                unit_path=target_unit.path if target_unit else None,
                assignee=person or None,
            ),
            actor.username,
            reason,
        )
        case.updated_at = utcnow()
        if target_unit is not None:
            instance = uow.instances.get(record.instance_id)
            moved = steering.point_unit_variable(
                uow, ctx.engine, instance, task_id, target_unit.key
            )
            if moved is not None:
                _finish(ctx, uow, case, moved)
                return case.number
        uow.commit()
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
    """Reassign every waiting task of a case (the bulk form of :func:`reassign`).

    Raises: as :func:`reassign`; ConflictError when no task waits.
    """
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        ready = [t.id for t in uow.tasks.ready_for_instance(case.instance_id or 0)]
    if not ready:
        raise ConflictError(f"{number} has no waiting task")
    for task_id in ready:
        reassign(ctx, actor, task_id, reason, unit=unit, person=person)
    return len(ready)


def change_deadline(
    ctx: GridcaseContext, actor: Actor, number: str, due: datetime, reason: str
) -> None:
    """Move the deadline (and warning) of every waiting step of a case.

    Raises: FieldErrors (past deadline, no reason), ForbiddenError, ConflictError (no
    deadline timer waits).
    """
    if due <= utcnow():
        raise FieldErrors({"due": ["the new deadline must be in the future"]})
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        ready = list(uow.tasks.ready_for_instance(case.instance_id or 0))
        warning = warning_before(ctx, case, due)
        variables = {r.properties["due"]: due.isoformat() for r in ready if r.properties.get("due")}
        transition = clock.move_deadline(
            uow,
            ctx.engine,
            case.instance_id or 0,
            [r.id for r in ready],
            due,
            warning,
            actor.username,
            reason,
            variables=variables,
        )
        case.deadline = due
        _finish(ctx, uow, case, transition)


def fire_timer(ctx: GridcaseContext, actor: Actor, number: str, timer_id: str, reason: str) -> None:
    """Raises: FieldErrors, ForbiddenError, ConflictError, NotFoundError (no such timer)."""
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        transition = clock.fire_timer_now(
            uow, ctx.engine, case.instance_id or 0, timer_id, actor.username, reason
        )
        _finish(ctx, uow, case, transition)


def move_timer(
    ctx: GridcaseContext, actor: Actor, number: str, timer_id: str, due: datetime, reason: str
) -> None:
    """Raises: FieldErrors (a past time, no reason), ForbiddenError, ConflictError,
    NotFoundError (no such waiting timer)."""
    if due <= utcnow():
        raise FieldErrors({"due": ["the new time must be in the future; fire it now instead"]})
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        transition = clock.move_timer(
            uow, ctx.engine, case.instance_id or 0, timer_id, due, actor.username, reason
        )
        _finish(ctx, uow, case, transition)


def shortcuts(ctx: GridcaseContext, case: Case) -> dict[str, dict[str, Any]]:
    """The catalog's supervisor shortcuts for the case's process (escalate, convene …)."""
    found = ctx.catalog.raw.get("supervisor_shortcuts", {})
    return {name: spec for name, spec in found.items() if spec["process"] == case.process_id}


def take_shortcut(
    ctx: GridcaseContext,
    actor: Actor,
    number: str,
    name: str,
    asked: dict[str, Any],
    reason: str,
) -> None:
    """Send the case through a shortcut's step with its answers: the step is completed in
    its holder's place if it waits, or the case first goes back to it. All or nothing.

    Raises: FieldErrors (the answers break the step's form), ForbiddenError, ConflictError,
    NotFoundError (no such shortcut, or the case never reached the step).
    """
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        spec = shortcuts(ctx, case).get(name)
        if spec is None:
            raise NotFoundError(f"no shortcut {name!r} for {case.process_id}")
        instance = uow.instances.get(case.instance_id or 0)
        step = spec["step"]
        waiting = [t for t in uow.tasks.ready_for_instance(instance.id) if t.element_id == step]
        if not waiting:
            steering.rewind(uow, ctx.engine, instance, step, actor.username, reason)
            waiting = [t for t in uow.tasks.ready_for_instance(instance.id) if t.element_id == step]
        answers = {k: v for k, v in asked.items() if k in spec.get("ask", ())}
        answers |= spec["answers"]
        if spec.get("reason_field"):
            answers[spec["reason_field"]] = reason
        _complete_in_place(ctx, uow, actor, case, waiting[0], answers, reason)


def retry(ctx: GridcaseContext, actor: Actor, number: str, reason: str) -> None:
    """Run a failed step again (after fixing its cause, e.g. by editing variables).

    Raises: FieldErrors, ForbiddenError, ConflictError (nothing failed), WorkflowStepError
    (it failed again; the error stays recorded).
    """
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        transition = clock.retry(uow, ctx.engine, case.instance_id or 0, actor.username, reason)
        _finish(ctx, uow, case, transition)


def rewind(ctx: GridcaseContext, actor: Actor, number: str, element_id: str, reason: str) -> None:
    """Send the case back to a step it has done; what followed is withdrawn.

    Raises: FieldErrors, ForbiddenError, ConflictError, NotFoundError (step never done).
    """
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        instance = uow.instances.get(case.instance_id or 0)
        transition = steering.rewind(uow, ctx.engine, instance, element_id, actor.username, reason)
        _finish(ctx, uow, case, transition)


def step_past(
    ctx: GridcaseContext, actor: Actor, task_id: str, submitted: dict[str, Any], reason: str
) -> str:
    """Complete a waiting step in its holder's place (the form and domain rules still apply),
    so the case moves past it. Returns the case number.

    Raises: FieldErrors, ForbiddenError, ConflictError.
    """
    with ctx.uow() as uow:
        record = uow.tasks.get(task_id)
        case = uow.cases.by_instance(record.instance_id)
        _check(ctx, actor, case, reason)
        _complete_in_place(ctx, uow, actor, case, record, submitted, reason)
        return case.number


def _complete_in_place(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case,
    record: TaskRecord,
    submitted: dict[str, Any],
    reason: str,
) -> None:
    version = uow.versions.get(uow.instances.get(record.instance_id).version_id)
    data = validate_form(version.forms.get(record.form) if record.form else None, submitted)
    check_domain_rules(ctx, uow, case, data)
    instances.reassign_task(
        uow,
        record.id,
        Assignment(record.role, None, None, actor.username),
        actor.username,
        reason,
        action="moved",
    )
    transition = instances.complete_task(uow, ctx.engine, record.id, data, actor.username)
    _finish(ctx, uow, case, transition)


IDENTITY = frozenset({"case_id", "case_number", "reporter_user"})


def editable_data(data: dict[str, Any]) -> dict[str, Any]:
    """Process variables a supervisor may edit: plain values (text, numbers, yes/no), not
    the ones that tie the process to its case."""
    return {
        k: v
        for k, v in sorted(data.items())
        if k not in IDENTITY and not k.startswith("_") and isinstance(v, str | int | float | bool)
    }


def edit_data(
    ctx: GridcaseContext, actor: Actor, number: str, posted: dict[str, str], reason: str
) -> dict[str, Any]:
    """Change plain process variables from posted text (typed like the current value);
    returns the changes.

    Raises: FieldErrors (unknown variable, wrong type, nothing changed), ForbiddenError,
    ConflictError.
    """
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        instance = uow.instances.get(case.instance_id or 0)
        current = editable_data(instances.snapshot(uow, ctx.engine, instance).data)
        changes: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for key, raw in posted.items():
            if key not in current:
                errors[key] = ["not an editable variable"]
                continue
            try:
                value = _typed_like(current[key], raw.strip())
            except ValueError:
                errors[key] = [f"expected {type(current[key]).__name__}"]
                continue
            problem = _domain_problem(ctx, current[key], key, value)
            if problem:
                errors[key] = [problem]
            elif value != current[key]:
                changes[key] = value
        if errors:
            raise FieldErrors(errors)
        if not changes:
            raise FieldErrors({"_form": ["nothing changed"]})
        check_domain_rules(ctx, uow, case, changes)
        transition = steering.edit_data(uow, ctx.engine, instance, changes, actor.username, reason)
        _finish(ctx, uow, case, transition)
        return changes


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
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        _check(ctx, actor, case, reason)
        instance = uow.instances.get(case.instance_id or 0)
        transition = instances.terminate(uow, ctx.engine, instance, actor.username, reason)
        case.status = "closed"
        case.closed_at = case.updated_at = utcnow()
        uow.commit()
        after_commit(ctx, [transition], [])


def _finish(ctx: GridcaseContext, uow: CaseUnitOfWork, case: Case, transition) -> None:
    settled = settle(ctx, uow, case, transition)
    uow.commit()
    after_commit(ctx, settled.transitions, settled.notices)


def bulk(numbers: Sequence[str], operation: Callable[[str], object]) -> list[BulkResult]:
    """Run one override per case; a failure is reported for its case and the rest go on."""
    results = []
    for number in dict.fromkeys(numbers):
        try:
            operation(number)
        except GridcaseError as err:
            results.append(BulkResult(number, False, str(err)))
        else:
            results.append(BulkResult(number, True))
    return results
