"""Process definitions: list versions, validate and deploy BPMN files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.deployment import DeployResult, deploy, deploy_directory, read_source
from engine.models import ProcessVersion
from engine.spec_registry import SpecRegistry
from workflows.context import GridcaseContext


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
