"""``gridcase bench``: the benchmarks, as a command group the ``gridcase`` CLI picks up from
the ``gridcase.commands`` entry point. Each seeds the demo district into the database named
by ``GRIDCASE_DATABASE_URL`` (a scratch SQLite file in the data folder when unset)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from workflows.demo import PASSWORD, seed_demo_org
from workflows.services.context import GridcaseContext
from workflows.wiring import database
from workflows.wiring.bootstrap import build_context
from workflows.wiring.settings import data_dir, settings_from_env


def _scratch_context(name: str) -> GridcaseContext:
    """A prepared context on GRIDCASE_DATABASE_URL, else on ``<data>/<name>.db``."""
    url = os.environ.get("GRIDCASE_DATABASE_URL") or f"sqlite:///{data_dir() / name}.db"
    ctx = build_context(settings_from_env(database_url=url))
    database.prepare(ctx)
    seed_demo_org(ctx, PASSWORD)
    return ctx


@click.group()
def bench() -> None:
    """Benchmarks; figures go in the README."""


@bench.command("loop")
@click.option("--cases", "n_cases", default=200, show_default=True)
@click.option("--threads", default=4, show_default=True)
@click.option("--reporter", default="gw01", show_default=True)
def bench_loop(n_cases: int, threads: int, reporter: str) -> None:
    """Drive cases around the whole closed loop through the service layer."""
    from benchmarks.loop import run_loop

    click.echo(run_loop(_scratch_context("bench"), n_cases, threads, reporter).report())


@bench.command("engine")
@click.option("--cases", "n_cases", default=100, show_default=True)
def bench_engine(n_cases: int) -> None:
    """SpiffWorkflow alone against the service layer on closed_loop: steps/s, completions/s,
    their ratio, SQL statements and commits per completion (counted).

    Use PostgreSQL for the real figure: `python benchmarks/with_servers.py engine`.
    """
    from benchmarks.engine import run

    click.echo(run(_scratch_context("bench-engine"), n_cases).report())


@bench.command("http")
@click.option("--cases", "n_cases", default=20, show_default=True, help="Cases per client.")
def bench_http(n_cases: int) -> None:
    """The closed loop over HTTP against gunicorn (2 workers): 1, 2 and 4 clients,
    completions/s, p50/p95 and RSS per worker.

    Use PostgreSQL and Redis: `python benchmarks/with_servers.py http`.
    """
    from benchmarks.http import run

    click.echo(run(_scratch_context("bench-http"), n_cases))


@bench.command("pages")
@click.option("--open-cases", default=2000, show_default=True)
@click.option("--repeat", default=20, show_default=True)
def bench_pages(open_cases: int, repeat: int) -> None:
    """Server time of the main pages with OPEN_CASES waiting in one inbox."""
    from benchmarks.pages import fill, open_reviews, report, run

    ctx = _scratch_context("bench-pages")
    fill(ctx, open_cases)
    click.echo(report(run(ctx, PASSWORD, repeat), open_reviews(ctx)))


@bench.command("timers")
@click.option("--pending", default=100_000, show_default=True)
@click.option("--burst", default=10_000, show_default=True)
@click.option("--rate", default=50, show_default=True, help="Steady due timers per second.")
@click.option("--seconds", default=30, show_default=True, help="Length of the steady phase.")
@click.option("--workers", default=2, show_default=True)
def bench_timers(pending: int, burst: int, rate: int, seconds: int, workers: int) -> None:
    """Pending timers in the database, a burst due at once, then a steady stream.

    Needs GRIDCASE_DATABASE_URL (PostgreSQL) and GRIDCASE_REDIS_URL; starts its own workers.
    `python benchmarks/with_servers.py timers` runs it on throw-away servers.
    """
    from benchmarks.timers import run

    settings = settings_from_env()
    if not settings.redis_url or not settings.database_url.startswith("postgresql"):
        raise click.UsageError("needs PostgreSQL and Redis: see benchmarks/with_servers.py")
    ctx = _scratch_context("bench-timers")
    log_dir = data_dir() / "bench-workers"
    click.echo(run(ctx, pending, burst, rate, seconds, workers, Path(log_dir)))


@bench.command("scale")
@click.option("--cases", "n_cases", default=1_000_000, show_default=True)
@click.option("--one-inbox", default=100_000, show_default=True)
@click.option("--repeat", default=20, show_default=True)
def bench_scale(n_cases: int, one_inbox: int, repeat: int) -> None:
    """Inboxes, console and case query over N cases, then with ONE_INBOX reports waiting in
    one community's review queue; keeps the inbox's query plans. PostgreSQL only, seeded
    once (a fresh database for the first stage's figures).

    `python benchmarks/with_servers.py scale` runs it on throw-away servers.
    """
    from benchmarks.scale import run

    ctx = _scratch_context("bench-scale")
    out = data_dir() / "bench-scale-plans.txt"
    click.echo(run(ctx, PASSWORD, n_cases, one_inbox, repeat, out))


@bench.command("indicators")
@click.option("--cases", "n_cases", default=100_000, show_default=True)
@click.option("--repeat", default=5, show_default=True)
def bench_indicators(n_cases: int, repeat: int) -> None:
    """Indicator tables over N cases of a year (bulk-seeded once; later runs reuse them).

    Use PostgreSQL for the real figure: `python benchmarks/with_servers.py indicators`.
    """
    from benchmarks.indicators import run

    click.echo(run(_scratch_context("bench-indicators"), n_cases, repeat))
