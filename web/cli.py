"""The ``gridcase`` command: init, run, serve, worker, bpmn, token, bench."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from engine.errors import BpmnValidationError
from workflows import processes, schema
from workflows.auth import issue_token
from workflows.catalog import Catalog
from workflows.context import GridcaseContext, Settings, build_context, make_registry
from workflows.demo_cases import seed_demo_cases

DEMO_PASSWORD = "demo1234"
EMBEDDED_DB = "sqlite:///instance/gridcase.db"


def _context() -> GridcaseContext:
    return build_context(Settings.from_env())


def _fail_on_bpmn(err: BpmnValidationError) -> None:
    click.echo(click.style("BPMN validation failed:", fg="red"), err=True)
    for problem in err.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(2)


def initialise(ctx: GridcaseContext, demo: bool, password: str) -> int:
    """Prepare the database, turning BPMN problems into a readable exit."""
    try:
        return schema.prepare(ctx, demo=demo, password=password)
    except BpmnValidationError as err:
        _fail_on_bpmn(err)
        return 0


@click.group()
def main() -> None:
    """gridcase: BPMN-driven case orchestration for grid governance."""


@main.command()
@click.option("--demo/--no-demo", default=False, help="Seed the demo district and its users.")
@click.option("--password", default=DEMO_PASSWORD, show_default=True)
def init(demo: bool, password: str) -> None:
    """Create or upgrade the schema, deploy bpmn/, optionally seed demo data."""
    ctx = _context()
    created = initialise(ctx, demo, password)
    if demo:
        seed_demo_cases(ctx)
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
    click.echo(click.style(f"Open {url}/login", fg="green", bold=True))


@main.command()
@click.option("--demo/--no-demo", default=True, help="Seed the demo district (default).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(demo: bool, host: str, port: int) -> None:
    """One command for newcomers: SQLite in ./instance, demo data, server on 127.0.0.1."""
    os.environ.setdefault("GRIDCASE_DATABASE_URL", EMBEDDED_DB)
    Path("instance").mkdir(exist_ok=True)
    ctx = _context()
    initialise(ctx, demo, DEMO_PASSWORD)
    if demo:
        seeded = seed_demo_cases(ctx)
        if seeded:
            click.echo(f"{seeded} demo cases at every stage of the loop")
    _print_logins(ctx, DEMO_PASSWORD, f"http://{host}:{port}")
    _serve(ctx, host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API and UI with the built-in threaded server (use gunicorn in production)."""
    _serve(_context(), host, port)


def _serve(ctx: GridcaseContext, host: str, port: int) -> None:
    from web import create_app

    if not ctx.settings.redis_url:
        click.echo("timers and jobs run in this process (no GRIDCASE_REDIS_URL)")
        ctx.start_embedded_worker()
    create_app(context=ctx).run(host=host, port=port, threaded=True)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, cron).")
def worker(burst: bool) -> None:
    """Run an RQ worker with its scheduler plus the timer sweep (needs GRIDCASE_REDIS_URL).

    Start any number of them, on any machine that reaches PostgreSQL and Redis.
    """
    from workflows.worker import run_worker

    ctx = _context()
    if not ctx.settings.redis_url:
        raise click.UsageError("set GRIDCASE_REDIS_URL to the shared Redis server")
    run_worker(ctx, burst=burst)


@main.command()
def users() -> None:
    """List every account with its roles and units."""
    ctx = _context()
    with ctx.uow() as uow:
        for user in uow.users.all():
            grants = ", ".join(f"{g.role}@{g.unit_key}" for g in uow.users.grants(user.id))
            click.echo(f"{user.username:10} {user.display_name:12} {grants}")


@main.group()
def bpmn() -> None:
    """Validate, deploy and list process definitions."""


@bpmn.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def bpmn_validate(paths: tuple[Path, ...]) -> None:
    """Validate BPMN files (default: every file in bpmn/)."""
    registry = make_registry(Catalog.load())
    targets = paths or tuple(sorted(Settings.from_env().bpmn_dir.glob("*.bpmn")))
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
    for summary in processes.list_processes(_context()):
        click.echo(f"{summary.process_id}  {summary.name}")
        for v in summary.versions:
            counts = ", ".join(f"{k}={n}" for k, n in sorted(v.instances.items())) or "no instances"
            click.echo(f"  v{v.version.version}  {v.version.deployed_at:%Y-%m-%d %H:%M}  {counts}")


@main.group()
def token() -> None:
    """API tokens for programs."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
def token_create(username: str, name: str) -> None:
    """Create a bearer token for USERNAME and print it once."""
    click.echo(issue_token(_context(), username, name))


@main.group()
def bench() -> None:
    """Benchmarks; figures go in the README."""


@bench.command("loop")
@click.option("--cases", "n_cases", default=200, show_default=True)
@click.option("--threads", default=4, show_default=True)
@click.option("--reporter", default="gw01", show_default=True)
def bench_loop(n_cases: int, threads: int, reporter: str) -> None:
    """Drive cases around the whole closed loop through the service layer.

    Uses GRIDCASE_DATABASE_URL (a scratch SQLite file when unset); seeds the demo district.
    """
    from workflows.bench import run_loop

    os.environ.setdefault("GRIDCASE_DATABASE_URL", "sqlite:///instance/bench.db")
    Path("instance").mkdir(exist_ok=True)
    ctx = _context()
    initialise(ctx, True, DEMO_PASSWORD)
    click.echo(run_loop(ctx, n_cases, threads, reporter).report())


@bench.command("pages")
@click.option("--open-cases", default=2000, show_default=True)
@click.option("--repeat", default=20, show_default=True)
def bench_pages(open_cases: int, repeat: int) -> None:
    """Server time of the main pages with OPEN_CASES waiting in one inbox.

    Uses GRIDCASE_DATABASE_URL (a scratch SQLite file when unset); seeds the demo district.
    """
    from web.bench_pages import fill, open_reviews, report, run

    os.environ.setdefault("GRIDCASE_DATABASE_URL", "sqlite:///instance/bench-pages.db")
    Path("instance").mkdir(exist_ok=True)
    ctx = _context()
    initialise(ctx, True, DEMO_PASSWORD)
    fill(ctx, open_cases)
    click.echo(report(run(ctx, DEMO_PASSWORD, repeat), open_reviews(ctx)))


@bench.command("timers")
@click.option("--pending", default=100_000, show_default=True)
@click.option("--burst", default=10_000, show_default=True)
@click.option("--rate", default=50, show_default=True, help="Steady due timers per second.")
@click.option("--seconds", default=30, show_default=True, help="Length of the steady phase.")
@click.option("--workers", default=2, show_default=True)
def bench_timers(pending: int, burst: int, rate: int, seconds: int, workers: int) -> None:
    """Pending timers in the database, a burst due at once, then a steady stream.

    Needs GRIDCASE_DATABASE_URL (PostgreSQL) and GRIDCASE_REDIS_URL; starts its own workers.
    `benchmarks/with_servers.py timers` runs it on throw-away servers.
    """
    from workflows.bench_timers import run

    ctx = _context()
    if not ctx.settings.redis_url or not ctx.settings.database_url.startswith("postgresql"):
        raise click.UsageError("needs PostgreSQL and Redis: see benchmarks/with_servers.py")
    initialise(ctx, True, DEMO_PASSWORD)
    click.echo(run(ctx, pending, burst, rate, seconds, workers, Path("instance/bench-workers")))
