"""Create or upgrade the database schema with Alembic and deploy the process files."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from engine.deployment import DeployResult
from workflows.services import indicators, processes
from workflows.services.context import GridcaseContext
from workflows.wiring.settings import PROJECT_DIR

SYSTEM = "system"


def alembic_config() -> Config:
    return Config(str(PROJECT_DIR / "alembic.ini"))


def is_prepared(ctx: GridcaseContext) -> bool:
    """Whether the database has the gridcase schema (Alembic's version table)."""
    return inspect(ctx.db).has_table("alembic_version")


def migrate(ctx: GridcaseContext) -> None:
    """Bring the database to the latest schema revision."""
    config = alembic_config()
    with ctx.db.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def prepare(ctx: GridcaseContext) -> list[DeployResult]:
    """Migrate the schema, deploy every changed file of ``bpmn/`` and count the indicator
    roll-up anew if the catalog's readings changed.

    Raises:
        BpmnValidationError: a file in ``bpmn/`` is invalid; nothing is deployed.
    """
    migrate(ctx)
    deployed = processes.deploy_all(ctx, SYSTEM)
    indicators.bring_rollup_up_to_date(ctx)
    return deployed
