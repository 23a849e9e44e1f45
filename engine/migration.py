"""Move running instances of a process to a newer version of it.

SpiffWorkflow aligns the old and new task specs by element id (then by structure), points
every task of the instance at its new spec and re-predicts what follows the waiting tasks;
the waiting tasks themselves, their claims and their timers stay as they are. An instance
that waits at an element the new version no longer has cannot be moved: it is reported and
left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import ConflictError
from engine.instances import (
    Runtime,
    Transition,
    journal,
    load_workflow,
    project,
    read_workflow,
)
from engine.models import ProcessInstance, ProcessVersion
from engine.uow import UnitOfWork

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class VersionChanges:
    """Elements of the main process added, removed or changed between two versions."""

    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]


@dataclass
class MigrationCheck:
    """What moving one instance would do."""

    instance_id: int
    business_key: str
    active: list[str]
    blocked_by: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.blocked_by and not self.problem


def _named(specs: Any) -> list[str]:
    """Element ids only: Spiff adds internal specs (Start, End, *.EndJoin) we do not show."""
    return sorted(s.name for s in specs if getattr(s, "bpmn_id", None))


def compare(runtime: Runtime, old: ProcessVersion, new: ProcessVersion) -> VersionChanges:
    diff = SpecDiff(
        runtime.host.serializer.registry, runtime.parsed(old).spec, runtime.parsed(new).spec
    )
    changed = {
        spec.name: sorted(keys)
        for spec, keys in diff.changed.items()
        if getattr(spec, "bpmn_id", None)
    }
    return VersionChanges(_named(diff.added), _named(diff.removed), changed)


def _diff(
    runtime: Runtime, wf: Any, target: ProcessVersion
) -> tuple[Any, Any, dict, list[str], str]:
    """(parsed target, top-level diff, subprocess diffs, blocking elements, other problem)."""
    parsed = runtime.parsed(target)
    top, subs = diff_workflow(
        runtime.host.serializer.registry, wf, parsed.spec, parsed.subprocess_specs
    )
    blocked = sorted(
        {t.task_spec.name for t in top.removed if t.state & _ACTIVE and t.task_spec.bpmn_id}
    )
    for sub_diff in subs.values():
        if sub_diff is not None:
            blocked += [t.task_spec.name for t in sub_diff.removed if t.state & _ACTIVE]
    missing = [sp_id for sp_id, d in subs.items() if d is None]
    problem = f"{len(missing)} subprocess(es) have no spec in the new version" if missing else ""
    return parsed, top, subs, sorted(set(blocked)), problem


def check(
    uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, target: ProcessVersion
) -> MigrationCheck:
    """Dry run: where the instance waits and whether the new version still has those steps."""

    def read(wf: Any) -> tuple[list[str], list[str], str]:
        tasks = wf.get_tasks(state=_ACTIVE)
        active = sorted({t.task_spec.name for t in tasks if t.task_spec.bpmn_id})
        _, _, _, blocked, problem = _diff(runtime, wf, target)
        return active, blocked, problem

    active, blocked, problem = read_workflow(uow, runtime, instance, read)
    if instance.status not in ("running", "suspended"):
        problem = f"the instance is {instance.status}"
    return MigrationCheck(instance.id, instance.business_key, active, blocked, problem)


def migrate(
    uow: UnitOfWork,
    runtime: Runtime,
    instance: ProcessInstance,
    target: ProcessVersion,
    actor: str,
) -> Transition:
    """Move one instance to ``target`` in the caller's transaction.

    Raises:
        ConflictError: the instance has ended, is already on ``target``, is of another
        process, or waits at an element ``target`` does not have; nothing is changed.
    """
    current = uow.versions.get(instance.version_id)
    if current.process_id != target.process_id:
        raise ConflictError(f"{instance.business_key} runs {current.process_id}")
    if current.id == target.id:
        raise ConflictError(f"{instance.business_key} already runs version {target.version}")
    if instance.status not in ("running", "suspended"):
        raise ConflictError(f"{instance.business_key} is {instance.status}")
    wf = load_workflow(uow, runtime, instance)
    parsed, top, subs, blocked, problem = _diff(runtime, wf, target)
    if blocked:
        raise ConflictError(
            f"{instance.business_key} waits at {', '.join(blocked)}, "
            f"which version {target.version} does not have"
        )
    if problem:
        raise ConflictError(f"{instance.business_key}: {problem}")
    armed = {t.task_id: t.due for t in runtime.host.waiting_timers(wf)}
    migrate_workflow(top, wf, parsed.spec)
    for sp_id, sub_diff in subs.items():
        sub = wf.subprocesses[sp_id]
        migrate_workflow(sub_diff, sub, parsed.subprocess_specs[sub.spec.name])
    # Migration resets waiting tasks, and a reset timer works its due time out afresh from
    # now: give every timer that is still there the time it had.
    for timer in runtime.host.waiting_timers(wf):
        if timer.task_id in armed:
            runtime.host.move_timer(wf, timer.task_id, armed[timer.task_id])
    instance.version_id = target.id
    journal(
        uow,
        instance,
        actor,
        "migrated",
        payload={"from": current.version, "to": target.version, "process": target.process_id},
    )
    transition = project(uow, runtime, instance, wf, actor)
    _refresh_titles(uow, runtime, instance, wf)
    return transition


def _refresh_titles(uow: UnitOfWork, runtime: Runtime, instance: ProcessInstance, wf: Any) -> None:
    """Waiting tasks keep their ids across a migration; their names and forms may change."""
    fresh = {t.id: t for t in runtime.host.ready_tasks(wf)}
    for record in uow.tasks.ready_for_instance(instance.id):
        task = fresh.get(record.id)
        if task is not None:
            record.title, record.form = task.title, task.form
