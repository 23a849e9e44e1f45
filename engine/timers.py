"""Operations on an instance's timers: fire what is due, move deadlines, suspend, resume.

Like :mod:`engine.instances`, they work inside the caller's unit of work and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from engine.errors import ConflictError, Phrase, WorkflowStepError
from engine.instances import Runtime, Transition, journal, load_workflow, project
from engine.models import ProcessInstance
from engine.uow import UnitOfWork


def fire_due(
    uow: UnitOfWork, runtime: Runtime, instance_id: int, now: datetime
) -> Transition | None:
    """Fire an instance's due timers. Idempotent: ``None`` when nothing is due any more
    (already fired by another worker, moved, or the instance ended or is suspended).

    Raises:
        ConflictError: the instance changed concurrently (the job retries).
        WorkflowStepError: a script on the timer path failed.
    """
    wakeup = uow.wakeups.get(instance_id)
    if wakeup is None or wakeup.due_at > now:
        return None
    instance = uow.instances.get(instance_id)
    if instance.status != "running":
        uow.wakeups.set(instance_id, None)
        return None
    wf = load_workflow(uow, runtime, instance)
    runtime.host.fire_due_timers(wf)
    return project(uow, runtime, instance, wf, "timer")


def move_deadline(
    uow: UnitOfWork,
    runtime: Runtime,
    instance_id: int,
    task_ids: list[str],
    due: datetime,
    warning: datetime | None,
    actor: str,
    reason: str,
    variables: Mapping[str, Any] | None = None,
) -> Transition:
    """Re-arm the ``overdue`` (and ``warning``) timers attached to the given ready tasks and
    set ``variables`` on them, so later steps that read the deadline see the new one.

    Raises:
        ConflictError: the instance is not running or none of the tasks has such a timer.
    """
    instance = _running(uow, instance_id)
    wf = load_workflow(uow, runtime, instance)
    if variables:
        runtime.host.set_task_data(wf, task_ids, variables)
    moved = []
    for timer in runtime.host.waiting_timers(wf):
        if timer.activity_id not in task_ids:
            continue
        if timer.kind == "overdue":
            runtime.host.move_timer(wf, timer.task_id, due)
            moved.append(timer.element_id)
        elif timer.kind == "warning" and warning is not None:
            runtime.host.move_timer(wf, timer.task_id, warning)
            moved.append(timer.element_id)
    if not moved:
        raise ConflictError(Phrase("no time limit is running on the waiting steps"))
    journal(
        uow,
        instance,
        actor,
        "deadline_moved",
        reason=reason,
        payload={"due": due.isoformat(), "timers": moved},
    )
    return project(uow, runtime, instance, wf, actor)


def suspend(
    uow: UnitOfWork, runtime: Runtime, instance_id: int, actor: str, reason: str
) -> Transition:
    """Pause every timer of a running instance, remembering the time each had left.

    Raises:
        ConflictError: the instance is not running.
    """
    instance = _running(uow, instance_id)
    wf = load_workflow(uow, runtime, instance)
    now = uow.now()
    instance.paused_timers = {
        t.task_id: max((t.due - now).total_seconds(), 0.0) for t in runtime.host.waiting_timers(wf)
    }
    instance.status = "suspended"
    instance.suspended_at = now
    instance.updated_at = now
    uow.wakeups.set(instance.id, None)
    journal(
        uow,
        instance,
        actor,
        "suspended",
        reason=reason,
        payload={"paused_timers": len(instance.paused_timers)},
    )
    uow.flush()
    return Transition(
        instance=instance,
        data=runtime.host.data(wf),
        ready=list(uow.tasks.ready_for_instance(instance.id)),
    )


def resume(
    uow: UnitOfWork, runtime: Runtime, instance_id: int, actor: str, reason: str
) -> Transition:
    """Restart a suspended instance's timers with the time they had left.

    Raises:
        ConflictError: the instance is not suspended.
    """
    instance = uow.instances.get(instance_id)
    if instance.status != "suspended":
        raise ConflictError(f"{instance.business_key} is not suspended")
    wf = load_workflow(uow, runtime, instance)
    now = uow.now()
    for timer_id, seconds in instance.paused_timers.items():
        runtime.host.move_timer(wf, timer_id, now + timedelta(seconds=seconds))
    paused_for = (now - instance.suspended_at).total_seconds() if instance.suspended_at else 0
    instance.status = "running"
    instance.suspended_at = None
    instance.paused_timers = {}
    journal(
        uow,
        instance,
        actor,
        "resumed",
        reason=reason,
        payload={"paused_seconds": round(paused_for)},
    )
    return project(uow, runtime, instance, wf, actor)


def _running(uow: UnitOfWork, instance_id: int) -> ProcessInstance:
    instance = uow.instances.get(instance_id)
    if instance.status != "running":
        raise ConflictError(f"{instance.business_key} is {instance.status}")
    return instance


def fire_timer_now(
    uow: UnitOfWork, runtime: Runtime, instance_id: int, timer_task_id: str, actor: str, reason: str
) -> Transition:
    """Make one waiting timer due now and fire it (a supervisor does not wait for it).

    Raises:
        ConflictError: the instance is not running; NotFoundError: no such waiting timer.
    """
    instance = _running(uow, instance_id)
    wf = load_workflow(uow, runtime, instance)
    now = uow.now()
    runtime.host.move_timer(wf, timer_task_id, now)
    journal(
        uow, instance, actor, "timer_fired_by_hand", reason=reason, payload={"timer": timer_task_id}
    )
    runtime.host.fire_due_timers(wf)
    return project(uow, runtime, instance, wf, actor)


def move_timer(
    uow: UnitOfWork,
    runtime: Runtime,
    instance_id: int,
    timer_task_id: str,
    due: datetime,
    actor: str,
    reason: str,
) -> Transition:
    """Re-arm one waiting timer for another time (earlier or later).

    Raises:
        ConflictError: the instance is not running; NotFoundError: no such waiting timer.
    """
    instance = _running(uow, instance_id)
    wf = load_workflow(uow, runtime, instance)
    runtime.host.move_timer(wf, timer_task_id, due)
    journal(
        uow,
        instance,
        actor,
        "timer_moved",
        reason=reason,
        payload={"timer": timer_task_id, "due": due.isoformat()},
    )
    return project(uow, runtime, instance, wf, actor)


def mark_error(uow: UnitOfWork, instance_id: int, err: WorkflowStepError) -> None:
    """Record that advancing the instance failed (a script or condition in a timer's path):
    its wake-up is dropped so the sweep stops retrying, and it waits for a supervisor."""
    instance = uow.instances.get(instance_id)
    where = f"{err.element_id}: " if err.element_id else ""
    instance.error = f"{where}{err}"
    uow.wakeups.set(instance_id, None)
    journal(uow, instance, "system", "error", payload={"element_id": err.element_id})


def retry(
    uow: UnitOfWork, runtime: Runtime, instance_id: int, actor: str, reason: str
) -> Transition:
    """Clear a recorded error and fire what is due again.

    Raises:
        ConflictError: the instance has no recorded error or is not running.
        WorkflowStepError: it fails again (the caller records it again).
    """
    instance = _running(uow, instance_id)
    if instance.error is None:
        raise ConflictError(Phrase("%(number)s has no failed step", number=instance.business_key))
    instance.error = None
    journal(uow, instance, actor, "retried", reason=reason)
    wf = load_workflow(uow, runtime, instance)
    runtime.host.fire_due_timers(wf)
    return project(uow, runtime, instance, wf, actor)
