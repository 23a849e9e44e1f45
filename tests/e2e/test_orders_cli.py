"""The demo orders (open, full, escalated, done with points) and `gridcase orders` on them:
the ranking as a table and CSV for the party organisations, refused to a volunteer; a
member registered from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.app_fixtures import copy_sqlite_template, make_context
from web.cli import main
from workflows.demo import seed_demo_orders
from workflows.services import service_orders
from workflows.services.accounts import load_actor


def test_demo_orders_and_the_ranking_command(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = copy_sqlite_template(sqlite_template, tmp_path)
    ctx = make_context(url, upload_dir=tmp_path / "uploads")
    assert seed_demo_orders(ctx) == 4
    assert seed_demo_orders(ctx) == 0  # once only
    posted, steps = service_orders.managed(ctx, load_actor(ctx, "dq-dh"))
    stages = sorted((o.stage, o.full) for o in posted)
    assert stages == [("done", True), ("escalated", False), ("open", False), ("open", True)]
    assert [s.task.element_id for s in steps] == ["arrange"]
    ctx.close()
    monkeypatch.setenv("GRIDCASE_DATABASE_URL", url)
    monkeypatch.setenv("GRIDCASE_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    table = runner.invoke(main, ["orders", "ranking", "--as", "cd01"])
    assert table.exit_code == 0, table.output
    assert "王建国" in table.output and "李秀英" in table.output and "30" in table.output
    branches = runner.invoke(
        main, ["orders", "ranking", "--by", "branch", "--csv", "--as", "dq-dh"]
    )
    assert branches.exit_code == 0, branches.output
    assert "东湖社区第一党支部,2,6.0,60.0" in branches.output
    records = runner.invoke(main, ["orders", "ranking", "--records", "--csv", "--period", "all"])
    assert records.output.count("义务理发便民服务") == 2

    refused = runner.invoke(main, ["orders", "ranking", "--as", "dangyuan1"])
    assert refused.exit_code == 1 and "may not see service records" in refused.output
    bad = runner.invoke(main, ["orders", "ranking", "--period", "last week"])
    assert bad.exit_code == 1 and "period" in bad.output

    added = runner.invoke(
        main,
        [
            "orders",
            "volunteer",
            "gw01",
            "--branch",
            "东湖社区第二党支部",
            "--home",
            "339901001001000",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "东湖社区第二党支部 @ 339901001001000" in added.output
