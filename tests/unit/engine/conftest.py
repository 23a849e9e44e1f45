"""Fixtures for the engine's unit tests: small BPMN files of their own, a host on a shifted
clock, and an in-memory SQLite store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.clock import ShiftedClock
from engine.host import WorkflowHost
from engine.properties import ANY_ELEMENT, PropertyRule
from engine.spec_registry import ParsedSpec, SpecRegistry, content_hash

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
LANES = frozenset({"clerk", "boss"})
RULES = (
    PropertyRule("unit", "the org unit doing the task", required=True),
    PropertyRule(
        "status",
        "the case status while it waits here or ends here",
        elements=frozenset({"userTask", "endEvent", "intermediateCatchEvent"}),
        values=frozenset({"checking", "accepted", "rejected"}),
    ),
    PropertyRule("emit", "an event raised when the flow passes here", elements=ANY_ELEMENT),
    PropertyRule(
        "timer",
        "what a timer means",
        elements=frozenset({"boundaryEvent", "intermediateCatchEvent"}),
        values=frozenset({"warning", "overdue"}),
    ),
)


def read_bpmn(name: str) -> bytes:
    return (BPMN_DIR / f"{name}.bpmn").read_bytes()


@pytest.fixture(scope="session")
def bpmn_xml() -> Callable[[str], bytes]:
    """The bytes of a fixture file by process id."""
    return read_bpmn


@pytest.fixture(scope="session")
def registry() -> SpecRegistry:
    return SpecRegistry(LANES, RULES)


@pytest.fixture(scope="session")
def spec(registry: SpecRegistry) -> Callable[[str], ParsedSpec]:
    """Validate a fixture file as deployment would, then parse it (cached by content)."""

    def load(name: str) -> ParsedSpec:
        xml = read_bpmn(name)
        file_name = f"{name}.bpmn"
        checked = registry.validate(file_name, xml, {})
        digest = content_hash(xml, {})
        return registry.parsed(checked.process_id, digest, file_name, xml.decode(), {})

    return load


@pytest.fixture
def clock() -> ShiftedClock:
    """A clock a month ahead of the machine's, so that a due time computed from the wall
    clock instead of this one is far off."""
    shifted = ShiftedClock()
    shifted.advance(days=30)
    return shifted


@pytest.fixture
def host(clock: ShiftedClock) -> WorkflowHost:
    return WorkflowHost({"get_ready": lambda: True}, clock=clock)
