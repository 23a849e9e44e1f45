"""Moving running cases to a new process version: preview, per-instance result, failures
leave the instance untouched; on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.deployment import BpmnSource, deploy
from tests.processes.helpers import accepted, ready, report, step
from workflows.domain.errors import ForbiddenError
from workflows.services import cases
from workflows.services import process_migration as instance_migration
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "closed_loop.bpmn"


def _deploy_v2(ctx: GridcaseContext) -> int:
    """Version 2 renames the dispatch step: an instance waiting there cannot move."""
    xml = BPMN.read_text(encoding="utf-8")
    xml = xml.replace('"dispatch"', '"dispatch_v2"').replace(">dispatch<", ">dispatch_v2<")
    with ctx.uow() as uow:
        forms = uow.versions.latest("closed_loop").forms
        result = deploy(
            uow, ctx.registry, BpmnSource("closed_loop.bpmn", xml.encode(), forms), "designer"
        )
        uow.commit()
        assert result.version.version == 2
        return result.version.id


def _version_of(ctx: GridcaseContext, number: str) -> tuple[int, str]:
    with ctx.uow() as uow:
        instance = uow.instances.get(uow.cases.by_number(number).instance_id)
        return uow.versions.get(instance.version_id).version, instance.state


def test_preview_then_move_with_a_result_per_instance(ctx: GridcaseContext) -> None:
    at_review = report(ctx).case.number
    at_dispatch = accepted(ctx)
    cases.claim(ctx, load_actor(ctx, "cd01"), ready(ctx, at_review)[0].id)
    due_before = ready(ctx, at_review)[0].due_at
    version_id = _deploy_v2(ctx)
    designer = load_actor(ctx, "designer")

    with pytest.raises(ForbiddenError):
        instance_migration.plan(ctx, load_actor(ctx, "cd01"), version_id)
    plan = instance_migration.plan(ctx, designer, version_id)
    assert "dispatch_v2" in plan.changes[1].added
    assert "dispatch" in plan.changes[1].removed
    by_case = {c.case_number: c.check for c in plan.candidates}
    assert by_case[at_review].ok and by_case[at_review].active[0] == "review"
    assert by_case[at_dispatch].blocked_by == ["dispatch"]
    assert not by_case[at_dispatch].ok

    _, state_before = _version_of(ctx, at_dispatch)
    both = [by_case[at_review].instance_id, by_case[at_dispatch].instance_id]
    results = instance_migration.migrate(ctx, designer, version_id, both)
    outcome = {r.case_number: r for r in results}
    assert outcome[at_review].ok
    assert not outcome[at_dispatch].ok and "dispatch" in outcome[at_dispatch].message
    assert _version_of(ctx, at_dispatch) == (1, state_before)  # untouched

    assert _version_of(ctx, at_review)[0] == 2
    task = ready(ctx, at_review)[0]
    assert (task.element_id, task.assignee, task.due_at) == ("review", "cd01", due_before)
    step(ctx, at_review, "review", "cd01", {"decision": "accept"})
    assert [t.element_id for t in ready(ctx, at_review)] == ["dispatch_v2"]
    with pytest.raises(ForbiddenError):  # a designer moves cases but reads no case data
        cases.get_case(ctx, designer, at_review)
    detail = cases.get_case(ctx, load_actor(ctx, "cd01"), at_review)
    migrated = [e for e in detail.history if e.action == "migrated"]
    assert migrated and migrated[0].payload["to"] == 2

    again = instance_migration.migrate(ctx, designer, version_id, [by_case[at_review].instance_id])
    assert not again[0].ok  # already on version 2
