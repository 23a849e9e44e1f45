"""Settings from ``GRIDCASE_*`` environment variables, every path made absolute once.

Without settings a checkout keeps its data in ``<checkout>/instance`` (an installed copy in
``$XDG_DATA_HOME/gridcase``), so every command finds the same database and upload folder
whichever directory it runs from. ``GRIDCASE_DATA_DIR`` moves both.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflows.services.context import Settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
SQLITE_PREFIX = "sqlite:///"


def data_dir() -> Path:
    """Where the embedded database and the uploads live by default."""
    configured = os.environ.get("GRIDCASE_DATA_DIR")
    if configured:
        return Path(configured).resolve()
    if (PROJECT_DIR / "pyproject.toml").is_file():
        return PROJECT_DIR / "instance"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).resolve() / "gridcase"


def absolute_database_url(url: str) -> str:
    """A SQLite URL with a relative file name, made absolute against the current folder."""
    if not url.startswith(SQLITE_PREFIX) or ":memory:" in url:
        return url
    path = Path(url.removeprefix(SQLITE_PREFIX))
    return url if path.is_absolute() else SQLITE_PREFIX + str(path.resolve())


def _path(name: str, default: Path | None) -> Path | None:
    raw = os.environ.get(name)
    return Path(raw).resolve() if raw else default


def settings_from_env(**overrides: object) -> Settings:
    """Read the settings; ``overrides`` (not None) win over the environment."""
    data = data_dir()
    env: dict[str, object] = {
        "database_url": absolute_database_url(
            os.environ.get("GRIDCASE_DATABASE_URL") or f"{SQLITE_PREFIX}{data / 'gridcase.db'}"
        ),
        "bpmn_dir": _path("GRIDCASE_BPMN_DIR", PROJECT_DIR / "bpmn"),
        "upload_dir": _path("GRIDCASE_UPLOAD_DIR", data / "uploads"),
        "redis_url": os.environ.get("GRIDCASE_REDIS_URL") or None,
        "calendar_path": _path("GRIDCASE_CALENDAR", None),
        "webhook_url": os.environ.get("GRIDCASE_WEBHOOK_URL") or None,
        "map_tiles": os.environ.get("GRIDCASE_MAP_TILES", "").strip() or None,
        "map_attribution": os.environ.get("GRIDCASE_MAP_ATTRIBUTION", "").strip() or None,
    }
    for key, name in (
        ("sweep_interval", "GRIDCASE_SWEEP_INTERVAL"),
        ("stalled_after_hours", "GRIDCASE_STALLED_AFTER_HOURS"),
    ):
        if os.environ.get(name):
            env[key] = float(os.environ[name])
    env.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**env)  # type: ignore[arg-type]
