"""The diagram ↔ code contract is declared once: the README documents exactly the declared
properties, and every property the shipped diagrams use is declared."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from workflows.domain.bpmn_contract import bpmn_properties
from workflows.domain.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}property"


def _readme_table() -> dict[str, bool]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- properties:start -->")[1].split("<!-- properties:end -->")[0]
    rows = re.findall(r"^\| `(\w+)`( \(required\))? \|", table, flags=re.M)
    return {name: bool(required) for name, required in rows}


def test_the_readme_lists_the_declared_properties() -> None:
    declared = {r.name: r.required for r in bpmn_properties(Catalog.load())}
    assert _readme_table() == declared


def test_the_shipped_diagrams_use_only_declared_properties() -> None:
    declared = {r.name for r in bpmn_properties(Catalog.load())}
    used = {
        prop.get("name")
        for path in (ROOT / "bpmn").glob("*.bpmn")
        for prop in etree.parse(str(path)).iter(SPIFF)
    }
    assert used <= declared
    assert used == declared  # and nothing declared is left unused
