"""``gridcase orders``: the volunteer order pool from the command line — the ranking of who
served (as a table or CSV) and a party member's profile. The commands act as a user
(``--as``) and see what that user sees in the browser."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from typing import Any

import click

from web.cli_context import prepared_context
from web.order_tables import ranking_table, records_table
from workflows.domain.errors import GridcaseError
from workflows.services import service_records
from workflows.services.accounts import load_actor
from workflows.services.context import GridcaseContext


def _run(action: Callable[[GridcaseContext], Any]) -> Any:
    ctx = prepared_context()
    try:
        return action(ctx)
    except GridcaseError as err:
        raise click.ClickException(str(err)) from err
    finally:
        ctx.close()


@click.group()
def orders() -> None:
    """The volunteer order pool (社区点单·党员接单)."""


@orders.command("ranking")
@click.option(
    "--period", default="month", show_default=True, help="month, year, all, YYYY-MM or YYYY."
)
@click.option("--unit", default=None, help="Org unit key (default: all of the user's units).")
@click.option("--by", type=click.Choice(["member", "branch"]), default="member", show_default=True)
@click.option("--records", is_flag=True, help="Every confirmed service instead of the ranking.")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV to standard output.")
@click.option(
    "--as",
    "username",
    default="admin",
    show_default=True,
    help="The user it is made for; they need 'see_service_records' over the unit.",
)
def ranking(
    period: str, unit: str | None, by: str, records: bool, as_csv: bool, username: str
) -> None:
    """Members or party branches by confirmed points and hours over a period."""

    def table(ctx: GridcaseContext) -> tuple[list[str], list[list[Any]]]:
        actor = load_actor(ctx, username)
        if records:
            return records_table(ctx, service_records.records(ctx, actor, period, unit))
        return ranking_table(ctx, service_records.ranking(ctx, actor, period, unit, by))

    headings, rows = _run(table)
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(headings)
        writer.writerows(rows)
        return
    click.echo("  ".join(headings))
    for row in rows:
        click.echo("  ".join(str(cell) for cell in row))


@orders.command("volunteer")
@click.argument("username")
@click.option("--branch", required=True, help="The member's party branch.")
@click.option("--phone", default="", help="Their phone (seen by the posters of their orders).")
@click.option("--home", default=None, help="Home community key (grants the volunteer role).")
@click.option("--as", "actor_name", default="admin", show_default=True)
def volunteer(username: str, branch: str, phone: str, home: str | None, actor_name: str) -> None:
    """Register USERNAME as a party-member volunteer of a community, or update their branch."""

    def save(ctx: GridcaseContext) -> str:
        actor = load_actor(ctx, actor_name)
        profile = service_records.save_profile(
            ctx, actor, username, branch=branch, phone=phone, home_unit=home
        )
        return f"{username}: {profile.branch} @ {profile.home_unit_key}"

    click.echo(_run(save))
