"""The demo district: its org tree and accounts (``demo_org.yaml``) and cases at every stage
of the loop, for ``make run`` and the tests. Not part of the product's domain."""

from __future__ import annotations

from pathlib import Path

from workflows.demo.cases import seed_demo_cases
from workflows.demo.key_persons import seed_demo_key_persons
from workflows.demo.orders import seed_demo_orders, seed_volunteers
from workflows.services.context import GridcaseContext
from workflows.services.org_setup import load_org

DEMO_ORG = Path(__file__).resolve().parent / "demo_org.yaml"
PASSWORD = "demo1234"


def seed_demo_org(ctx: GridcaseContext, password: str = PASSWORD) -> int:
    """The demo district's units and accounts (every account with ``password``); returns
    the accounts created (0 when an org tree exists)."""
    created = load_org(ctx, DEMO_ORG, password)
    if created:
        seed_volunteers(ctx)
    return created


__all__ = [
    "DEMO_ORG",
    "PASSWORD",
    "seed_demo_cases",
    "seed_demo_key_persons",
    "seed_demo_orders",
    "seed_demo_org",
]
