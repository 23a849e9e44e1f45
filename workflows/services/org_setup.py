"""Load the org tree and its users from a YAML file (the demo district, or a real one),
checked against ``data/org.schema.json``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from workflows.adapters.models import OrgUnit, User
from workflows.adapters.passwords import hash_password
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.catalog import load_yaml
from workflows.domain.errors import CatalogError
from workflows.domain.org import unit_path
from workflows.services.context import GridcaseContext


def _walk(node: Mapping[str, Any], parent: OrgUnit | None) -> Iterator[OrgUnit]:
    centre = node.get("centre") or {}
    unit = OrgUnit(
        key=node["key"],
        kind="territory",
        level=node["level"],
        name_zh=node["name_zh"],
        name_en=node["name_en"],
        parent_key=parent.key if parent else None,
        path=unit_path(parent.path if parent else None, node["key"]),
        lat=centre.get("lat"),
        lon=centre.get("lon"),
        categories=[],
        boundary=node.get("boundary"),
    )
    yield unit
    for child in node.get("children", []):
        yield from _walk(child, unit)


def org_units(raw: Mapping[str, Any]) -> list[OrgUnit]:
    """Territorial units from the nested tree, then departments and first-level centres
    under their parents.

    Raises:
        CatalogError: a department or centre hangs under an unknown unit.
    """
    units: list[OrgUnit] = []
    for root in raw["units"] if isinstance(raw["units"], list) else [raw["units"]]:
        units.extend(_walk(root, None))
    by_key = {u.key: u for u in units}
    for dept in raw["departments"]:
        parent = by_key.get(dept["parent"])
        if parent is None:
            raise CatalogError(f"department {dept['key']}: unknown parent {dept['parent']}")
        units.append(
            OrgUnit(
                key=dept["key"],
                kind="department",
                level=dept["level"],
                name_zh=dept["name_zh"],
                name_en=dept["name_en"],
                parent_key=parent.key,
                path=unit_path(parent.path, dept["key"]),
                categories=list(dept.get("categories", [])),
            )
        )
    for centre in raw.get("centres", []):
        parent = by_key.get(centre["parent"])
        if parent is None:
            raise CatalogError(f"centre {centre['key']}: unknown parent {centre['parent']}")
        units.append(
            OrgUnit(
                key=centre["key"],
                kind="centre",
                level="centre",
                name_zh=centre["name_zh"],
                name_en=centre["name_en"],
                parent_key=parent.key,
                path=unit_path(parent.path, centre["key"]),
                categories=[],
            )
        )
    return units


def load_org(ctx: GridcaseContext, path: Path, password: str) -> int:
    """Insert units, users and role grants unless the org tree already exists, in one
    transaction; every user gets ``password``. Returns the number of users created (0 when
    the database already had an org tree).

    Raises:
        CatalogError: the file breaks its schema or references an unknown unit.
    """
    with ctx.uow() as uow:
        created = _insert_org(uow, path, password)
        uow.commit()
    ctx.reload_org()
    return created


def _insert_org(uow: CaseUnitOfWork, path: Path, password: str) -> int:
    if uow.units.all():
        return 0
    raw = load_yaml(path, "org.schema.json")
    units = org_units(raw)
    keys = {u.key for u in units}
    for unit in units:
        uow.units.add(unit)
    uow.flush()
    hashed = hash_password(password)
    for spec in raw["users"]:
        user = User(
            username=spec["username"], display_name=spec["display_name"], password_hash=hashed
        )
        uow.users.add(user)
        for grant in spec["roles"]:
            if grant["unit"] not in keys:
                raise CatalogError(f"user {spec['username']}: unknown unit {grant['unit']}")
            uow.users.grant(user.id, grant["role"], grant["unit"])
    return len(raw["users"])
