"""``gridcase report``: the reports from the command line, as a command group the ``gridcase``
CLI picks up from the ``gridcase.commands`` entry point.

The command acts as a user (``--as``, by default ``admin``) and sees exactly what that user
sees in the browser: someone holding ``assess`` over the unit (a supervisor, the district
command, a street dispatcher, a department head, the administrator). Whoever can run the
command can read the database anyway; acting as a named user keeps one permission rule and
lets a street office print its own street's report.
"""

from __future__ import annotations

from pathlib import Path

import click

from web.cli_context import prepared_context
from web.report_pdf import monthly_pdf
from workflows.domain.errors import GridcaseError
from workflows.services import monthly_report
from workflows.services.accounts import load_actor


@click.group()
def report() -> None:
    """Reports: the monthly analysis report as a PDF."""


@report.command("monthly")
@click.option("--unit", default=None, help="Org unit key (default: the user's widest unit).")
@click.option("--month", default=None, metavar="YYYY-MM", help="Default: this month.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF file to write.",
)
@click.option(
    "--as",
    "username",
    default="admin",
    show_default=True,
    help="The user the report is made for; they need 'assess' over the unit.",
)
def monthly(unit: str | None, month: str | None, out: Path, username: str) -> None:
    """The monthly analysis report of UNIT for MONTH, as the page's PDF."""
    ctx = prepared_context()
    try:
        try:
            actor = load_actor(ctx, username)
            found = monthly_report.monthly_report(ctx, actor, unit, month)
        except GridcaseError as err:
            raise click.ClickException(f"as {username}: {err}") from err
        out.write_bytes(monthly_pdf(found, ctx.calendar.timezone))
    finally:
        ctx.close()
    click.echo(
        f"{out}: {found.unit.name_zh} {found.month.label}, {found.reported} reports (as {username})"
    )
