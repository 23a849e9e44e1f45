"""Supervisor moves on a running instance beyond timers: go back to a completed step, and
edit process variables. Each is journaled with the actor's reason, in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ConflictError
from engine.instances import Runtime, Transition, journal, load_workflow, project
from engine.models import ProcessInstance
from engine.uow import UnitOfWork


def _running(instance: ProcessInstance) -> None:
    if instance.status != "running":
        raise ConflictError(f"{instance.business_key} is {instance.status}")


def rewind(
    uow: UnitOfWork,
    runtime: Runtime,
    instance: ProcessInstance,
    element_id: str,
    actor: str,
    reason: str,
) -> Transition:
    """Make a completed user task ready again; the steps after it are withdrawn.

    Raises: ConflictError (not running), NotFoundError (never completed), WorkflowStepError.
    """
    _running(instance)
    wf = load_workflow(uow, runtime, instance)
    task_id = runtime.host.rewind(wf, element_id)
    record = uow.tasks.get(task_id)  # Spiff reuses the task: reopen its projection row
    record.state, record.created_at = "ready", uow.now()
    record.completed_at = record.completed_by = record.assignee = record.claimed_at = None
    journal(
        uow, instance, actor, "moved", task=record, reason=reason, payload={"back_to": element_id}
    )
    transition = project(uow, runtime, instance, wf, actor)
    transition.opened.append(record)  # its holders are told, as for any new task
    return transition


def edit_data(
    uow: UnitOfWork,
    runtime: Runtime,
    instance: ProcessInstance,
    variables: Mapping[str, Any],
    actor: str,
    reason: str,
) -> Transition:
    """Overwrite process variables; the journal keeps the values before and after.

    Raises: ConflictError (not running).
    """
    _running(instance)
    wf = load_workflow(uow, runtime, instance)
    before = runtime.host.edit_data(wf, variables)
    journal(
        uow,
        instance,
        actor,
        "data_edited",
        reason=reason,
        payload={"before": before, "after": dict(variables)},
    )
    return project(uow, runtime, instance, wf, actor)


def point_unit_variable(
    uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, task_id: str, unit_key: str
) -> Transition | None:
    """After a task is given to another unit, set the variable its ``unit`` property names
    (e.g. ``department``) so the steps after it follow the new unit too. None when the task
    names no such variable."""
    record = uow.tasks.get(task_id)
    variable = (record.properties or {}).get("unit")
    if not variable:
        return None
    return point_variable(uow, runtime, instance, task_id, variable, unit_key)


def point_variable(
    uow: UnitOfWork,
    runtime: Runtime,
    instance: ProcessInstance,
    task_id: str,
    variable: str,
    value: Any,
) -> Transition:
    """Set one variable in a waiting task's data, which the steps after it inherit."""
    wf = load_workflow(uow, runtime, instance)
    runtime.host.set_task_data(wf, [task_id], {variable: value})
    return project(uow, runtime, instance, wf, "system")
