"""Deploy BPMN files as immutable process versions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.bpmn_validation import referenced_forms
from engine.errors import BpmnProblem, BpmnValidationError
from engine.instances import journal
from engine.models import ProcessVersion
from engine.spec_registry import SpecRegistry, content_hash
from engine.uow import UnitOfWork

FORMS_DIR = "forms"


@dataclass(frozen=True)
class BpmnSource:
    """A BPMN file with the forms it refers to, as read from disk or uploaded."""

    file_name: str
    xml: bytes
    forms: Mapping[str, Any]


@dataclass(frozen=True)
class DeployResult:
    version: ProcessVersion
    created: bool


def read_source(path: Path, forms_dir: Path | None = None) -> BpmnSource:
    """Read a ``.bpmn`` file and the JSON-schema forms it names from ``forms_dir``.

    Missing forms are left out (validation reports them against the task); a form that is not
    valid JSON is reported here with its line.

    Raises:
        BpmnValidationError: a form file is not valid JSON.
    """
    xml = path.read_bytes()
    return BpmnSource(path.name, xml, read_source_forms(xml, forms_dir or path.parent / FORMS_DIR))


def read_source_forms(xml: bytes, forms_dir: Path) -> dict[str, Any]:
    """The forms ``xml`` names that exist in ``forms_dir``.

    Raises:
        BpmnValidationError: a form file is not valid JSON.
    """
    forms: dict[str, Any] = {}
    for name in referenced_forms(xml):
        form_path = forms_dir / name
        if not form_path.is_file():
            continue
        try:
            forms[name] = json.loads(form_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise BpmnValidationError(
                [BpmnProblem(f"{FORMS_DIR}/{name}", f"not valid JSON: {err.msg}", None, err.lineno)]
            ) from err
    return forms


def deploy(uow: UnitOfWork, registry: SpecRegistry, source: BpmnSource, actor: str) -> DeployResult:
    """Validate and store ``source`` as the next version of its process.

    Deploying content identical to the latest version changes nothing.

    Raises:
        BpmnValidationError: the file or its forms are invalid; nothing is stored.
    """
    checked = registry.validate(source.file_name, source.xml, source.forms)
    forms = {name: source.forms[name] for name in checked.form_files}
    digest = content_hash(source.xml, forms)
    latest = uow.versions.latest(checked.process_id)
    if latest is not None and latest.content_hash == digest:
        return DeployResult(latest, created=False)
    version = ProcessVersion(
        process_id=checked.process_id,
        version=(latest.version + 1) if latest else 1,
        name=checked.name,
        content_hash=digest,
        file_name=source.file_name,
        bpmn_xml=source.xml.decode("utf-8"),
        forms=forms,
        deployed_at=uow.now(),
        deployed_by=actor,
    )
    uow.versions.add(version)
    uow.flush()
    journal(
        uow,
        None,
        actor,
        "deployed",
        payload={"process_id": version.process_id, "version": version.version, "hash": digest},
    )
    return DeployResult(version, created=True)


def deploy_directory(
    uow: UnitOfWork, registry: SpecRegistry, bpmn_dir: Path, actor: str
) -> list[DeployResult]:
    """Deploy every ``*.bpmn`` in ``bpmn_dir`` whose content changed.

    Raises:
        BpmnValidationError: with the problems of every invalid file; nothing is stored.
    """
    results: list[DeployResult] = []
    problems: list[BpmnProblem] = []
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        try:
            results.append(deploy(uow, registry, read_source(path), actor))
        except BpmnValidationError as err:
            problems.extend(err.problems)
    if problems:
        raise BpmnValidationError(problems)
    return results
