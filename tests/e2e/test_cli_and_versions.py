"""The CLI names BPMN problems by element and line; deploying keeps running instances on
their version."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from web.cli import main
from workflows.services import cases, processes
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
GRID1 = "339901001001001"


def _copy_bpmn(tmp_path: Path) -> Path:
    target = tmp_path / "bpmn"
    shutil.copytree(BPMN_DIR, target)
    return target / "closed_loop.bpmn"


def test_bpmn_validate_reports_file_line_and_element(tmp_path: Path) -> None:
    path = _copy_bpmn(tmp_path)
    text = path.read_text().replace('name="grid_worker"', 'name="street_sweeper"', 1)
    path.write_text(text)
    line = text[: text.index('name="street_sweeper"')].count("\n") + 1
    result = CliRunner().invoke(main, ["bpmn", "validate", str(path)])
    assert result.exit_code == 2
    assert f"closed_loop.bpmn:{line} [lane_grid_worker]" in result.output
    assert "street_sweeper" in result.output


def test_deploy_makes_a_new_version_and_running_cases_keep_theirs(
    ctx: GridcaseContext, tmp_path: Path
) -> None:
    reporter, dispatcher = load_actor(ctx, "gw01"), load_actor(ctx, "cd01")
    old = cases.report_case(ctx, reporter, cases.NewCase("02", "旧版本 old", grid=GRID1))

    path = _copy_bpmn(tmp_path)
    path.write_text(path.read_text().replace("审查受理 Review", "审查受理（新） Review v2"))
    first = processes.deploy_file(ctx, path, "designer")
    assert first.created and first.version.version == 2
    again = processes.deploy_file(ctx, path, "designer")
    assert not again.created and again.version.id == first.version.id

    new = cases.report_case(ctx, reporter, cases.NewCase("02", "新版本 new", grid=GRID1))
    assert new.tasks[0].task.title == "审查受理（新） Review v2"
    assert old.tasks[0].task.title == "审查受理 Review"
    finished = cases.complete(
        ctx, dispatcher, old.tasks[0].task.id, {"decision": "reject", "reason": "测试"}
    )
    assert finished.case.status == "rejected"
    summary = {p.process_id: p for p in processes.list_processes(ctx)}["closed_loop"]
    assert [(v.version.version, v.instances) for v in summary.versions] == [
        (1, {"completed": 1}),
        (2, {"running": 1}),
    ]
