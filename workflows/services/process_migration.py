"""Designers move running cases to a newer process version: first a preview (what changed
between the versions, and for each instance whether it can move), then the move itself, one
transaction per instance so a failure leaves that instance as it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine import migration
from engine.models import ProcessInstance, ProcessVersion
from workflows.adapters.models import Case
from workflows.domain.errors import GridcaseError
from workflows.domain.permissions import Actor
from workflows.services.case_progress import settle
from workflows.services.caseless import settle_caseless
from workflows.services.context import GridcaseContext
from workflows.services.processes import require_designer


@dataclass(frozen=True)
class Candidate:
    check: migration.MigrationCheck
    from_version: int
    case_number: str


@dataclass(frozen=True)
class MigrationPlan:
    target: ProcessVersion
    changes: dict[int, migration.VersionChanges]  # by the older version number
    candidates: list[Candidate]


@dataclass(frozen=True)
class MigrationResult:
    instance_id: int
    case_number: str | None
    ok: bool
    message: str = ""


def plan(ctx: GridcaseContext, actor: Actor, version_id: int) -> MigrationPlan:
    """Preview moving every open instance of older versions to version ``version_id``.

    Raises: ForbiddenError, NotFoundError.
    """
    require_designer(ctx, actor)
    with ctx.uow() as uow:
        target = uow.versions.get(version_id)
        changes: dict[int, migration.VersionChanges] = {}
        candidates = []
        for instance, number in uow.instances.open_on_older_versions(target):
            if number not in changes:
                older = uow.versions.get(instance.version_id)
                changes[number] = migration.compare(ctx.runtime, older, target)
            case = uow.cases.find_by_instance(instance.id)
            check = migration.check(uow, ctx.runtime, instance, target)
            candidates.append(Candidate(check, number, _label(case, instance)))
        uow.session.expunge(target)
        return MigrationPlan(target, changes, candidates)


def migrate(
    ctx: GridcaseContext, actor: Actor, version_id: int, instance_ids: Sequence[int]
) -> list[MigrationResult]:
    """Move each instance in its own transaction; report a result per instance.

    Raises: ForbiddenError (nothing is moved), NotFoundError (unknown version).
    """
    require_designer(ctx, actor)
    results = []
    for instance_id in dict.fromkeys(instance_ids):
        number = None
        try:
            with ctx.uow() as uow:
                target = uow.versions.get(version_id)
                instance = uow.instances.get(instance_id)
                case = uow.cases.find_by_instance(instance_id)
                number = _label(case, instance)
                transition = migration.migrate(uow, ctx.runtime, instance, target, actor.username)
                if case is None:
                    settle_caseless(ctx, uow, transition)
                else:
                    settle(ctx, uow, case, transition)
                uow.commit()
        except GridcaseError as err:
            results.append(MigrationResult(instance_id, number, False, str(err)))
        else:
            results.append(MigrationResult(instance_id, number, True))
    return results


def _label(case: Case | None, instance: ProcessInstance) -> str:
    """What a designer sees of an instance: its case's number, or the business key of a
    process that drives no case (a care-visit cycle, a volunteer order)."""
    return case.number if case is not None else instance.business_key
