"""The ``gridcase`` command: init, run, serve, worker, users, bpmn, token — and the commands
of installed plugins (entry points ``gridcase.commands``; the benchmarks add ``bench``)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from importlib.metadata import EntryPoints, entry_points
from pathlib import Path

import click

from web.cli_context import prepared_context
from web.cli_orders import orders
from workflows.demo import PASSWORD as DEMO_PASSWORD
from workflows.demo import (
    seed_demo_cases,
    seed_demo_key_persons,
    seed_demo_orders,
    seed_demo_org,
)
from workflows.domain.bpmn_contract import bpmn_properties
from workflows.domain.catalog import Catalog
from workflows.domain.errors import BpmnValidationError, FieldErrors, GridcaseError, NotFoundError
from workflows.services import accounts, processes
from workflows.services.context import GridcaseContext
from workflows.wiring import database
from workflows.wiring.bootstrap import build_context, make_registry, start_embedded_worker
from workflows.wiring.settings import settings_from_env


def _context() -> GridcaseContext:
    return build_context(settings_from_env())


def _fail_on_bpmn(err: BpmnValidationError) -> None:
    click.echo(click.style("BPMN validation failed:", fg="red"), err=True)
    for problem in err.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(2)


def prepare(ctx: GridcaseContext, *, demo: bool, password: str = DEMO_PASSWORD) -> int:
    """Migrate, deploy ``bpmn/`` and, with ``demo``, seed the demo district and its cases;
    BPMN problems end the command with a readable list. Returns the demo users created."""
    try:
        database.prepare(ctx)
    except BpmnValidationError as err:
        _fail_on_bpmn(err)
    if not demo:
        return 0
    created = seed_demo_org(ctx, password)
    seeded = seed_demo_cases(ctx)
    if seeded:
        click.echo(f"{seeded} demo cases at every stage of the loop")
    persons = seed_demo_key_persons(ctx)
    if persons:
        click.echo(f"{persons} demo key persons with their care visits")
    posted = seed_demo_orders(ctx)
    if posted:
        click.echo(f"{posted} demo volunteer orders (open, full, escalated, done)")
    return created


class GridcaseGroup(click.Group):
    """The command group, with the commands installed plugins register."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(e.name for e in _plugins())})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        plugin = next((e for e in _plugins() if e.name == cmd_name), None)
        return plugin.load() if plugin is not None else None


def _plugins() -> EntryPoints:
    return entry_points(group="gridcase.commands")


@click.group(cls=GridcaseGroup)
def main() -> None:
    """gridcase: BPMN-driven case orchestration for grid governance."""


main.add_command(orders)


@main.command()
@click.option("--demo/--no-demo", default=False, help="Seed the demo district and its users.")
@click.option("--password", default=DEMO_PASSWORD, show_default=True)
def init(demo: bool, password: str) -> None:
    """Create or upgrade the schema, deploy bpmn/, optionally seed demo data."""
    ctx = _context()
    created = prepare(ctx, demo=demo, password=password)
    click.echo(f"database ready ({ctx.settings.database_url}); {created} demo users created")


def _print_logins(ctx: GridcaseContext, password: str, url: str) -> None:
    with ctx.uow() as uow:
        users = [
            (u.username, u.display_name, [g.role for g in uow.users.grants(u.id)])
            for u in uow.users.all()
        ]
    click.echo(f"\nDemo accounts (password for all: {password}):")
    shown = {}
    for username, name, roles in users:
        for role in roles:
            shown.setdefault(role, (username, name))
    for role, (username, name) in sorted(shown.items()):
        click.echo(f"  {role:22} {username:10} {name}")
    click.echo(f"  (all {len(users)} accounts: `gridcase users`)\n")
    click.echo(f"Residents report without an account at {url}/r")
    with ctx.uow() as uow:
        followed = uow.cases.tracked(limit=1)
    for case in followed:
        link = f"{url}/t/{case.tracking_token}"
        click.echo(f"  the demo resident follows report {case.number} at {link}")
    click.echo(click.style(f"Open {url}/login", fg="green", bold=True))


def _check_port(host: str, port: int) -> None:
    """Refuse early, before printing a URL, when the port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise click.UsageError(
                f"port {port} on {host} is taken ({err.strerror}); "
                f"choose another: gridcase run --port 8080 (or make run PORT=8080)"
            ) from err


@main.command()
@click.option("--demo/--no-demo", default=True, help="Seed the demo district (default).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(demo: bool, host: str, port: int) -> None:
    """One command for newcomers: SQLite in the data folder, demo data, a local server."""
    _check_port(host, port)
    ctx = _context()
    prepare(ctx, demo=demo)
    click.echo(f"data: {ctx.settings.database_url}, uploads in {ctx.settings.upload_dir}")
    if demo:
        _print_logins(ctx, DEMO_PASSWORD, f"http://{host}:{port}")
    _serve(ctx, host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API and UI with the built-in threaded server (use gunicorn in production)."""
    _check_port(host, port)
    _serve(_context(), host, port)


def _serve(ctx: GridcaseContext, host: str, port: int) -> None:
    from web import create_app

    if start_embedded_worker(ctx):
        click.echo("timers and jobs run in this process (no GRIDCASE_REDIS_URL)")
    create_app(context=ctx).run(host=host, port=port, threaded=True)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, cron).")
def worker(burst: bool) -> None:
    """Run an RQ worker with its scheduler plus the timer sweep (needs GRIDCASE_REDIS_URL).

    Start any number of them, on any machine that reaches PostgreSQL and Redis.
    """
    from workflows.wiring.worker import run_worker

    ctx = _context()
    if not ctx.settings.redis_url:
        raise click.UsageError("set GRIDCASE_REDIS_URL to the shared Redis server")
    run_worker(ctx, burst=burst)


@main.command()
def users() -> None:
    """List every account with its roles and units."""
    ctx = prepared_context()
    with ctx.uow() as uow:
        for user in uow.users.all():
            grants = ", ".join(f"{g.role}@{g.unit_key}" for g in uow.users.grants(user.id))
            click.echo(f"{user.username:10} {user.display_name:12} {grants}")


@main.command("password")
@click.argument("username")
@click.password_option("--password", prompt="New password")
def password_command(username: str, password: str) -> None:
    """Set a user's password (asked twice, not shown); their sessions end."""
    try:
        accounts.reset_password(prepared_context(), username, password)
    except (NotFoundError, FieldErrors) as err:
        raise click.UsageError(str(err)) from err
    click.echo(f"password of {username} changed; their sessions ended")


@main.group()
def bpmn() -> None:
    """Validate, deploy and list process definitions."""


@bpmn.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def bpmn_validate(paths: tuple[Path, ...]) -> None:
    """Validate BPMN files (default: every file in bpmn/)."""
    registry = make_registry(Catalog.load())
    targets = paths or tuple(sorted(settings_from_env().bpmn_dir.glob("*.bpmn")))
    problems = []
    for path in targets:
        try:
            process_id = processes.validate_file(registry, path)
            click.echo(f"ok  {path} ({process_id})")
        except BpmnValidationError as err:
            problems.extend(err.problems)
    if problems:
        _fail_on_bpmn(BpmnValidationError(problems))


@bpmn.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor", default="designer", show_default=True)
def bpmn_deploy(paths: tuple[Path, ...], actor: str) -> None:
    """Deploy BPMN files as new versions (default: every changed file in bpmn/)."""
    ctx = _context()
    try:
        if paths:
            results = [processes.deploy_file(ctx, p, actor) for p in paths]
        else:
            results = processes.deploy_all(ctx, actor)
    except BpmnValidationError as err:
        _fail_on_bpmn(err)
    for r in results:
        state = "deployed" if r.created else "unchanged"
        click.echo(f"{state:9} {r.version.process_id} v{r.version.version} ({r.version.file_name})")


@bpmn.command("list")
def bpmn_list() -> None:
    """List deployed processes, versions and instance counts."""
    for summary in processes.list_processes(prepared_context()):
        click.echo(f"{summary.process_id}  {summary.name}")
        for v in summary.versions:
            counts = ", ".join(f"{k}={n}" for k, n in sorted(v.instances.items())) or "no instances"
            click.echo(f"  v{v.version.version}  {v.version.deployed_at:%Y-%m-%d %H:%M}  {counts}")


@bpmn.command("properties")
def bpmn_properties_command() -> None:
    """The extension properties a BPMN element may carry (the diagram ↔ code contract)."""
    for rule in bpmn_properties(Catalog.load()):
        where = "any element" if "*" in rule.elements else ", ".join(sorted(rule.elements))
        need = "required; " if rule.required else ""
        values = f" one of: {', '.join(sorted(rule.values))}" if rule.values else ""
        click.echo(f"{rule.name}  ({need}on {where}){values}\n    {rule.meaning}")


@main.group()
def token() -> None:
    """API tokens for programs."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", default=accounts.TOKEN_DAYS, show_default=True, help="how long it works")
def token_create(username: str, name: str, days: int) -> None:
    """Create a bearer token for USERNAME and print it once."""
    _guarded(lambda: click.echo(accounts.issue_token(prepared_context(), username, name, days)))


@token.command("list")
@click.argument("username", required=False)
def token_list(username: str | None) -> None:
    """List tokens (never their secret), all or USERNAME's."""

    def show() -> None:
        for t in accounts.list_tokens(prepared_context(), username):
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            if not t.revoked_at and t.expires_at:
                state += f" until {t.expires_at:%Y-%m-%d}"
            click.echo(f"{t.id:5}  {t.username:10} {t.name:16} {used:16}  {state}")

    _guarded(show)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Stop the token TOKEN_ID (an id from `gridcase token list`) from working."""

    def revoke() -> None:
        info = accounts.revoke_token(prepared_context(), token_id)
        click.echo(f"revoked token {info.id} ({info.name}) of {info.username}")

    _guarded(revoke)


def _guarded(action: Callable[[], None]) -> None:
    """Run a command body; a gridcase error becomes a one-line message and exit code 1."""
    try:
        action()
    except GridcaseError as err:
        raise click.ClickException(str(err)) from err


@main.group("key-persons")
def key_persons_group() -> None:
    """The key-person register: import a spreadsheet, apply the retention rule."""


@key_persons_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="Whose grants decide the grids.")
def key_persons_import(path: Path, username: str) -> None:
    """Import an .xlsx or .csv of key persons; bad rows are listed and left out."""
    from workflows.services import key_person_sheets

    def run() -> None:
        ctx = prepared_context()
        actor = accounts.load_actor(ctx, username)
        report = key_person_sheets.import_sheet(ctx, actor, path.read_bytes(), path.name)
        click.echo(f"{report.added} added, {len(report.problems)} rows left out")
        for problem in report.problems:
            fields = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in problem.fields.items())
            click.echo(f"  row {problem.row}: {fields}")

    _guarded(run)


@key_persons_group.command("erase-expired")
def key_persons_erase() -> None:
    """Erase the personal data of persons removed longer ago than the catalog's retention
    period (run daily from cron)."""
    from workflows.services import key_persons

    click.echo(f"{key_persons.erase_expired(prepared_context())} persons erased")
