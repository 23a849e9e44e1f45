"""Routing rules on a small in-memory org tree (no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.assignment import ReadyTask
from workflows.domain.catalog import Catalog
from workflows.domain.errors import NotFoundError
from workflows.domain.org import OrgDirectory, Unit, unit_path
from workflows.domain.permissions import Actor, Permissions
from workflows.domain.routing import LaneAssigner, review_unit_for, suggested_department


def _tree() -> OrgDirectory:
    units: list[Unit] = []

    def add(key: str, level: str, parent: Unit | None, kind: str = "territory", cats=()) -> Unit:
        unit = Unit(
            key,
            kind,
            level,
            key,
            key,
            parent.key if parent else None,
            unit_path(parent.path if parent else None, key),
            30.0,
            120.0,
            tuple(cats),
        )
        units.append(unit)
        return unit

    district = add("D", "district", None)
    street = add("S", "street", district)
    community = add("C", "community", street)
    add("G", "grid", community)
    add("dept-cg", "district", district, "department", ["02"])
    add("street-team", "street", street, "department", ["02"])
    return OrgDirectory(units)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_channel_names_the_reviewing_level(catalog: Catalog) -> None:
    tree = _tree()
    assert review_unit_for(tree, catalog, "G", "grid_worker").key == "C"
    assert review_unit_for(tree, catalog, "G", "hotline_12345").key == "S"


def test_street_department_handling_the_category_is_preferred(catalog: Catalog) -> None:
    assert suggested_department(_tree(), catalog, "02", "G").key == "street-team"


def test_dispatcher_lane_becomes_the_role_of_the_units_level(catalog: Catalog) -> None:
    assigner = LaneAssigner(_tree(), catalog)

    def task(unit: str) -> ReadyTask:
        return ReadyTask(
            "t", "review", "Review", "dispatcher", {"unit": "review_unit"}, {"review_unit": unit}
        )

    assert assigner.assign(task("C")).role == "community_dispatcher"
    assert assigner.assign(task("S")).role == "street_dispatcher"
    assert assigner.assign(task("D")).role == "district_command"
    assert assigner.assign(task("C")).unit_path == "/D/S/C/"


def test_reporter_lane_is_assigned_to_the_reporting_user(catalog: Catalog) -> None:
    assigner = LaneAssigner(_tree(), catalog)
    task = ReadyTask(
        "t",
        "evaluate",
        "Evaluate",
        "reporter",
        {"unit": "review_unit"},
        {"review_unit": "C", "reporter_user": "gw01"},
    )
    assert assigner.assign(task).assignee == "gw01"


def test_unknown_unit_is_a_clear_error() -> None:
    with pytest.raises(NotFoundError, match="unknown org unit 'X'"):
        _tree().ancestor_at("X", "street")


def test_units_under_a_path_and_the_areas_at_a_level() -> None:
    tree = _tree()
    street = tree.get("S").path
    assert [u.key for u in tree.under(street)] == ["S", "C", "G", "street-team"]
    assert [u.key for u in tree.under(street, level="street")] == ["S"]  # not its department
    assert [u.key for u in tree.under(tree.get("C").path, "/nowhere/", level="grid")] == ["G"]
    assert tree.under() == []


def test_the_steering_scope_admits_what_may_steer_admits(catalog: Catalog) -> None:
    """The inbox narrows its query of requests for more time by the scope, then asks
    ``may_steer``: the two must agree on every case, or a request goes unseen."""
    tree = _tree()
    permissions = Permissions(tree, catalog)
    actors = [
        Actor(1, "cd", "cd", (("community_dispatcher", "C"),)),
        Actor(2, "sd", "sd", (("street_dispatcher", "S"),)),
        Actor(3, "sup", "sup", (("supervisor", "S"),)),
        Actor(4, "gw", "gw", (("grid_worker", "G"),)),
        Actor(5, "odd", "odd", (("community_dispatcher", "S"),)),  # a role of another level
    ]
    cases = [SimpleNamespace(review_unit_key=r, grid_key="G") for r in ("C", "S", "D")]
    steered = {"cd": ["C"], "sd": ["S"], "sup": ["C", "S", "D"], "gw": [], "odd": []}
    for actor in actors:
        scope = permissions.steer_scope(actor)
        for case in cases:
            narrowed = case.review_unit_key in scope.review_units or case.grid_key in scope.grids
            assert narrowed == permissions.may_steer(actor, case), (actor.username, case)
        admitted = [c.review_unit_key for c in cases if permissions.may_steer(actor, c)]
        assert admitted == steered[actor.username]
    assert not permissions.steer_scope(actors[3])  # a grid worker's inbox asks nothing
