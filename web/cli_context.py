"""The context a CLI command works on: the database the environment names, which
`gridcase init` (or `make run`) must have prepared. Shared by every command module."""

from __future__ import annotations

import click

from workflows.services.context import GridcaseContext
from workflows.wiring import database
from workflows.wiring.bootstrap import build_context
from workflows.wiring.settings import settings_from_env


def prepared_context() -> GridcaseContext:
    """Raises: ClickException naming the database when it has no schema yet."""
    ctx = build_context(settings_from_env())
    if not database.is_prepared(ctx):
        ctx.close()
        raise click.ClickException(
            f"{ctx.settings.database_url} has no gridcase schema yet: run `gridcase init` "
            "(or `make run`) first"
        )
    return ctx
