"""Create or upgrade the database schema with Alembic."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from workflows import processes
from workflows.context import PROJECT_DIR, GridcaseContext
from workflows.seed import seed_org


def alembic_config() -> Config:
    return Config(str(PROJECT_DIR / "alembic.ini"))


def migrate(ctx: GridcaseContext) -> None:
    """Bring the database to the latest schema revision."""
    config = alembic_config()
    with ctx.db.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def prepare(ctx: GridcaseContext, *, demo: bool, password: str) -> int:
    """Migrate the schema, deploy ``bpmn/`` and, with ``demo``, seed the demo district.

    Returns the number of demo users created.

    Raises:
        BpmnValidationError: a file in ``bpmn/`` is invalid; nothing is deployed.
    """
    migrate(ctx)
    processes.deploy_all(ctx, "system")
    created = 0
    if demo:
        with ctx.uow() as uow:
            created = seed_org(uow, password)
            uow.commit()
        ctx.reload_org()
    return created
