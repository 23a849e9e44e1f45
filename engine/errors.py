"""Errors raised by the engine. None of them knows about HTTP; ``web/errors.py`` maps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Phrase(str):
    """An English message a page can say in its reader's language: ``template`` is the
    message id of the translation catalogue and ``params`` fill its ``%(name)s`` places.
    It is the English sentence itself wherever a plain string is expected (API answers,
    logs)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Phrase:
        made = super().__new__(cls, template % params if params else template)
        made.template = template
        made.params = params
        return made


class GridcaseError(Exception):
    """Base class of every error gridcase raises on purpose."""

    @property
    def said(self) -> str:
        """What the error says: the Phrase it was raised with (a page says it in its
        reader's language), else its text."""
        first = self.args[0] if self.args else None
        return first if isinstance(first, str) else str(self)


class NotFoundError(GridcaseError):
    """A process, version, instance or task does not exist."""


class ConflictError(GridcaseError):
    """The state changed under the caller: task already completed, claimed, or a lost race."""


class ForbiddenError(GridcaseError):
    """The actor may not see or act on this object."""


@dataclass
class FieldErrors(GridcaseError):
    """Submitted data failed validation; ``fields`` maps a field name to its messages."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(v)}" for k, v in self.fields.items())


@dataclass
class BpmnProblem:
    """One problem found in a BPMN file, pointing at the element and line."""

    file: str
    message: str
    element_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


class BpmnValidationError(GridcaseError):
    """A BPMN file (or its forms) failed validation; ``problems`` lists every finding."""

    def __init__(self, problems: list[BpmnProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ScriptError(GridcaseError):
    """A BPMN condition or script was rejected or failed in the restricted evaluator."""


class WorkflowStepError(GridcaseError):
    """The engine failed while advancing an instance (a script or condition raised)."""

    def __init__(self, message: str, element_id: str | None = None):
        self.element_id = element_id
        super().__init__(message)


class DatabaseUnavailable(GridcaseError):
    """The database could not be reached (restarting, unreachable, locked for too long):
    nothing of the transaction was committed, and trying again shortly is right."""
