"""The extension properties a BPMN element may carry, as the host declares them.

Designers attach ``spiffworkflow:property`` name/value pairs to flow nodes; the engine and the
domain read some of them (a task's form, its org unit, the case status …). The host hands the
validator one list of :class:`PropertyRule` (see ``workflows.domain.bpmn_contract``), so a
misspelt name, a property on the wrong kind of element or an unknown value is refused at
deploy time, naming the element and the line.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_TASKS = frozenset({"userTask", "manualTask"})
ANY_ELEMENT = frozenset({"*"})


@dataclass(frozen=True)
class PropertyRule:
    """One extension property: where it may sit, whether user tasks need it, its values.

    ``values`` None means any non-empty text (usually a process variable's name).
    """

    name: str
    meaning: str
    elements: frozenset[str] = USER_TASKS
    required: bool = False
    values: frozenset[str] | None = None

    def allowed_on(self, tag: str) -> bool:
        return "*" in self.elements or tag in self.elements
