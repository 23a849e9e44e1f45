"""The case status shown to people follows where the process stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.domain.statuses import OPEN311_STATUS, derive_status


@dataclass
class Waiting:
    element_id: str
    status: str
    assignee: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.properties = {"status": self.status}


def test_declared_status_of_the_waiting_task() -> None:
    assert derive_status([Waiting("dispatch", "registered")], None, {}) == "registered"


def test_claimed_verification_means_someone_is_on_site() -> None:
    assert derive_status([Waiting("verify", "resolved")], None, {}) == "resolved"
    assert derive_status([Waiting("verify", "resolved", "gw01")], None, {}) == "checking"


def test_review_above_the_receiving_level_is_coordinating() -> None:
    assert derive_status([Waiting("review", "reported")], None, {"escalation_count": 1}) == (
        "coordinating"
    )


def test_parallel_branches_show_the_least_advanced() -> None:
    tasks = [Waiting("handle", "in_progress"), Waiting("sign", "dispatched")]
    assert derive_status(tasks, None, {}) == "dispatched"


def test_end_event_decides_when_finished() -> None:
    assert derive_status([], {"status": "merged"}, {}) == "merged"
    assert OPEN311_STATUS["merged"] == "closed" and OPEN311_STATUS["checking"] == "open"
