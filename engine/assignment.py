"""What the engine asks of its caller about people: who a waiting user task is for.

Plain values only (no SpiffWorkflow, no database), so that the domain can implement
:class:`Assigner` without importing either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

FORM_PROPERTY = "formJsonSchemaFilename"
# A form is named by a plain file name of the forms folder (or of the upload): no folder,
# no absolute path, so that a process file can never make the server read another file.
PLAIN_FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.json$")


def is_plain_form_name(name: str) -> bool:
    return bool(PLAIN_FORM_NAME.match(name)) and ".." not in name


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, as the rest of gridcase sees it."""

    id: str
    element_id: str
    title: str
    lane: str | None
    properties: Mapping[str, str]
    data: Mapping[str, Any]

    @property
    def form(self) -> str | None:
        return self.properties.get(FORM_PROPERTY)


@dataclass(frozen=True)
class Assignment:
    """Who a ready task is for: a role in an org unit, optionally one person, and a deadline."""

    role: str | None
    unit_key: str | None
    unit_path: str | None = None
    assignee: str | None = None
    due_at: datetime | None = None


class Assigner(Protocol):
    """Resolves lanes and process variables to org roles and units (the domain provides it)."""

    def assign(self, task: ReadyTask) -> Assignment: ...
