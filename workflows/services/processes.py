"""Process definitions: list versions, validate and deploy BPMN files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.deployment import (
    FORMS_DIR,
    BpmnSource,
    DeployResult,
    deploy,
    deploy_directory,
    read_source,
    read_source_forms,
)
from engine.errors import BpmnProblem, BpmnValidationError
from engine.models import ProcessVersion
from engine.spec_registry import SpecRegistry
from workflows.domain.errors import ForbiddenError
from workflows.domain.permissions import DESIGN, OVERRIDE, Actor
from workflows.services.context import GridcaseContext


@dataclass(frozen=True)
class VersionSummary:
    version: ProcessVersion
    instances: dict[str, int]


@dataclass(frozen=True)
class ProcessSummary:
    process_id: str
    name: str
    latest_version: int
    versions: list[VersionSummary]


def process_names(ctx: GridcaseContext) -> list[tuple[str, str]]:
    """Every deployed process's id and the name of its latest version (no counting of
    instances, which a million of them make slow)."""
    with ctx.uow() as uow:
        return sorted((v.process_id, v.name) for v in uow.versions.latest_each())


def list_processes(ctx: GridcaseContext) -> list[ProcessSummary]:
    """Every deployed process with its versions and instance counts per status."""
    with ctx.uow() as uow:
        counts = uow.versions.instance_counts()
        grouped: dict[str, list[VersionSummary]] = {}
        for version in uow.versions.all():
            grouped.setdefault(version.process_id, []).append(
                VersionSummary(version, counts.get(version.id, {}))
            )
    return [
        ProcessSummary(pid, vs[-1].version.name, vs[-1].version.version, vs)
        for pid, vs in sorted(grouped.items())
    ]


def validate_file(registry: SpecRegistry, path: Path) -> str:
    """Validate a BPMN file with its forms; return its process id. Needs no database.

    Raises:
        BpmnValidationError: listing every problem with element and line.
    """
    source = read_source(path)
    return registry.validate(source.file_name, source.xml, source.forms).process_id


def deploy_file(ctx: GridcaseContext, path: Path, actor: str) -> DeployResult:
    """Deploy one file as a new version (no-op when unchanged).

    Raises:
        BpmnValidationError: nothing is stored.
    """
    with ctx.uow() as uow:
        result = deploy(uow, ctx.registry, read_source(path), actor)
        uow.commit()
        return result


def deploy_all(ctx: GridcaseContext, actor: str) -> list[DeployResult]:
    """Deploy every changed file of the configured BPMN directory, all or nothing.

    Raises:
        BpmnValidationError: nothing is stored.
    """
    with ctx.uow() as uow:
        results = deploy_directory(uow, ctx.registry, ctx.settings.bpmn_dir, actor)
        uow.commit()
        return results


def require_reader(ctx: GridcaseContext, actor: Actor) -> None:
    """Process versions and their instance counts are for designers and supervisors.

    Raises: ForbiddenError for anyone else."""
    permissions = ctx.permissions
    if not (permissions.has(actor, DESIGN) or permissions.has(actor, OVERRIDE)):
        raise ForbiddenError("only process designers and supervisors may see the processes")


def require_designer(ctx: GridcaseContext, actor: Actor) -> None:
    """Raises: ForbiddenError unless the actor designs processes (or administers)."""
    ctx.permissions.require(actor, DESIGN, "only process designers may do this")


@dataclass(frozen=True)
class UploadResult:
    """A checked upload: the process it defines and, unless only checked, the new version."""

    process_id: str
    deployed: DeployResult | None


def upload(
    ctx: GridcaseContext,
    actor: Actor,
    file_name: str,
    xml: bytes,
    forms: Mapping[str, Any],
    *,
    deploy_it: bool,
) -> UploadResult:
    """Check an uploaded BPMN file and, when asked, deploy it as the next version.

    Forms the upload does not carry are taken from the configured ``bpmn/forms`` directory,
    so a designer may upload the diagram alone.

    Raises:
        ForbiddenError: the actor is not a designer or admin.
        BpmnValidationError: with every problem (element, line); nothing is stored.
    """
    require_designer(ctx, actor)
    if not file_name.endswith(".bpmn"):
        raise BpmnValidationError([BpmnProblem(file_name, "upload a .bpmn file")])
    stored = read_source_forms(xml, ctx.settings.bpmn_dir / FORMS_DIR)
    source = BpmnSource(file_name, xml, {**stored, **forms})
    if not deploy_it:
        return UploadResult(ctx.registry.validate(file_name, xml, source.forms).process_id, None)
    with ctx.uow() as uow:
        result = deploy(uow, ctx.registry, source, actor.username)
        uow.commit()
        return UploadResult(result.version.process_id, result)


def version_source(ctx: GridcaseContext, version_id: int) -> tuple[str, str]:
    """(file name, BPMN XML) of a version. Raises: NotFoundError."""
    with ctx.uow() as uow:
        version = uow.versions.get(version_id)
        return version.file_name, version.bpmn_xml
