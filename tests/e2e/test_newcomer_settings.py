"""The settings a newcomer gets: no GRIDCASE_* paths set, commands run from any folder. The
database and the upload folder are the same absolute places whichever folder a command runs
from, and a photo reported from the page is served back (it once was a broken image)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.app_fixtures import PASSWORD
from tests.images import png
from web import create_app
from web.cli import main
from workflows.demo import seed_demo_org
from workflows.wiring import database
from workflows.wiring.bootstrap import build_context
from workflows.wiring.settings import PROJECT_DIR, settings_from_env

PNG = png()
GRIDCASE = Path(sys.executable).parent / "gridcase"


@pytest.fixture
def newcomer_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GRIDCASE_* settings but the data folder (the checkout's ``instance/`` must stay
    untouched by tests), given relative to a working folder that is not the checkout."""
    for name in list(os.environ):
        if name.startswith("GRIDCASE_"):
            monkeypatch.delenv(name)
    work = tmp_path / "somewhere" / "else"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("GRIDCASE_DATA_DIR", "../data")
    return tmp_path / "somewhere" / "data"


def test_default_paths_are_absolute_and_shared(newcomer_env: Path) -> None:
    settings = settings_from_env()
    assert settings.database_url == f"sqlite:///{newcomer_env.resolve() / 'gridcase.db'}"
    assert settings.upload_dir == newcomer_env.resolve() / "uploads"
    assert settings.bpmn_dir == PROJECT_DIR / "bpmn"


def test_a_photo_reported_from_the_page_is_served(newcomer_env: Path) -> None:
    ctx = build_context(settings_from_env())
    try:
        database.prepare(ctx)
        seed_demo_org(ctx, PASSWORD)
        app = create_app({"SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}, context=ctx)
        client = app.test_client()
        client.post("/login", data={"username": "gw01", "password": PASSWORD})
        form = {
            "category": "02",
            "description": "井盖破损",
            "grid": "339901001001001",
            "photos": (io.BytesIO(PNG), "现场.png", "image/png"),
        }
        reported = client.post("/report", data=form)
        assert reported.status_code == 302
        case_page = client.get(reported.headers["Location"])
        assert b"/files/1" in case_page.data
        photo = client.get("/files/1")
        assert photo.status_code == 200 and photo.data == PNG
    finally:
        ctx.close()


def test_token_commands_find_the_same_database_from_any_folder(
    newcomer_env: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("GRIDCASE_DATA_DIR", str(newcomer_env.resolve()))
    empty = runner.invoke(main, ["token", "create", "gw01"])
    assert empty.exit_code == 1 and "gridcase init" in empty.output
    assert empty.exception is None or isinstance(empty.exception, SystemExit)
    shutil.copyfile(sqlite_template, newcomer_env / "gridcase.db")  # as `gridcase init --demo`

    # the installed command, run from another folder, finds the same database
    made = subprocess.run(
        [GRIDCASE, "token", "create", "gw01", "--name", "app"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=newcomer_env.parent,
        check=True,
    )
    assert made.stdout.startswith("gct_")
    listed = runner.invoke(main, ["token", "list", "gw01"])
    token_id = listed.output.split()[0]
    assert "app" in listed.output and "active" in listed.output
    assert runner.invoke(main, ["token", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["token", "list", "gw01"]).output
