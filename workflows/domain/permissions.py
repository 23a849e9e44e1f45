"""Who may do what: one permission model for pages, API, CLI and jobs.

A person holds roles in org units (grants). A role may work the tasks of its lane in its
unit, and carries the capabilities the catalog lists for it (``roles.<role>.may``); a
capability held in a unit reaches every unit below it. Beyond that, everyone sees the cases
they reported and the cases they hold or held a step of. Designers and machine accounts hold
no case capability, so they see no case data unless they also hold a case role there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from workflows.domain.catalog import Catalog
from workflows.domain.errors import ForbiddenError
from workflows.domain.org import OrgDirectory, Unit

SEE_CASES = "see_cases"
SEE_ALL_TASKS = "see_all_tasks"
OVERRIDE = "override"
STEER = "steer"
ISSUE_SPECIAL_TASKS = "issue_special_tasks"
ISSUE_RULE_TASKS = "issue_rule_tasks"
POST_SENSOR_ALERTS = "post_sensor_alerts"
ASSESS = "assess"
SEE_FAILED_JOBS = "see_failed_jobs"
DESIGN = "design"
TAKE_CALLS = "take_calls"
SEE_CONTACT = "see_contact"
MANAGE_ACCOUNTS = "manage_accounts"
# The community side: the key-person register and its care visits; the volunteer order pool.
KEY_PERSONS = "key_persons"
POST_ORDERS = "post_orders"
CLAIM_ORDERS = "claim_orders"
SEE_SERVICE_RECORDS = "see_service_records"
# Who a report from the public page is recorded as when nobody signed in.
RESIDENT = "resident"


@dataclass(frozen=True)
class Actor:
    """An authenticated person and their role grants ``(role, unit_key)``."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[tuple[str, str], ...]
    acting_for: tuple[str, ...] = ()  # usernames this person stands in for right now (代班)

    def holds(self, role: str | None, unit_key: str | None) -> bool:
        return (role, unit_key) in self.grants

    def units_with(self, role: str) -> list[str]:
        return [unit for r, unit in self.grants if r == role]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r for r, _ in self.grants)


class CaseFacts(Protocol):
    """What permissions need to know of a case."""

    grid_key: str
    review_unit_key: str
    department_key: str | None
    reporter_user_id: int | None


class TaskFacts(Protocol):
    """What permissions need to know of a task."""

    role: str | None
    unit_key: str | None
    unit_path: str | None
    assignee: str | None


@dataclass(frozen=True)
class SteerScope:
    """Where an actor steers: the review units they dispatch for, and the grids their
    ``steer`` reaches. A query narrows by it the way :meth:`admits` decides."""

    review_units: tuple[str, ...]
    grids: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.review_units or self.grids)

    def admits(self, case: CaseFacts) -> bool:
        return case.review_unit_key in self.review_units or case.grid_key in self.grids


class Permissions:
    """The permission checks, over the org tree and the catalog's role capabilities."""

    def __init__(self, directory: OrgDirectory, catalog: Catalog):
        self.directory = directory
        self.catalog = catalog

    def units(self, actor: Actor, capability: str) -> list[Unit]:
        """The units where the actor holds a role carrying ``capability``."""
        found = {
            unit
            for role, unit in actor.grants
            if capability in self.catalog.capabilities.get(role, ()) and unit in self.directory
        }
        return sorted((self.directory.get(u) for u in found), key=lambda u: u.path)

    def reach(self, actor: Actor, capability: str) -> tuple[str, ...]:
        """Paths of the subtrees where the actor has ``capability``."""
        return tuple(u.path for u in self.units(actor, capability))

    def has(self, actor: Actor, capability: str) -> bool:
        """Whether the actor has ``capability`` anywhere."""
        return bool(self.units(actor, capability))

    def covers(self, actor: Actor, capability: str, unit_key: str) -> bool:
        """Whether ``capability`` reaches ``unit_key`` (held there or above)."""
        if unit_key not in self.directory:
            return False
        path = self.directory.get(unit_key).path
        return any(path.startswith(p) for p in self.reach(actor, capability))

    def require(self, actor: Actor, capability: str, message: str) -> None:
        """Raises: ForbiddenError with ``message`` unless the actor has ``capability``."""
        if not self.has(actor, capability):
            raise ForbiddenError(message)

    def case_grids(self, actor: Actor) -> list[str]:
        """The grids whose cases the actor sees through a case role (for lists)."""
        return self.grids_with(actor, SEE_CASES)

    def grids_with(self, actor: Actor, *capabilities: str) -> list[str]:
        """The grids any of ``capabilities`` reaches."""
        paths = [p for c in capabilities for p in self.reach(actor, c)]
        return [g.key for g in self.directory.under(*paths, level="grid")]

    def case_departments(self, actor: Actor) -> list[str]:
        """The departments whose cases the actor sees (a department head): the cases
        dispatched to them, or that had a step there."""
        return [u.key for u in self.units(actor, SEE_CASES) if u.is_department]

    def may_work(self, actor: Actor, task: TaskFacts) -> bool:
        """Claim or complete a task: its holder (or their substitute), or its role in its unit."""
        held_by = task.assignee
        return (
            held_by == actor.username
            or held_by in actor.acting_for
            or actor.holds(task.role, task.unit_key)
        )

    def may_see_task(self, actor: Actor, task: TaskFacts) -> bool:
        """A task one may work, or one in a subtree whose tasks one watches."""
        return self.may_work(actor, task) or any(
            (task.unit_path or "").startswith(p) for p in self.reach(actor, SEE_ALL_TASKS)
        )

    def may_see_case(self, actor: Actor, case: CaseFacts, tasks: Iterable[TaskFacts]) -> bool:
        """The reporter; a case role over the case's grid; anyone who may see one of its
        tasks (``tasks``: every task the case ever had)."""
        if case.reporter_user_id == actor.user_id:
            return True
        if self.covers(actor, SEE_CASES, case.grid_key):
            return True
        departments = self.case_departments(actor)
        if case.department_key in departments:
            return True
        return any(self.may_see_task(actor, t) or t.unit_key in departments for t in tasks)

    def may_override(self, actor: Actor, case: CaseFacts) -> bool:
        """Supervisors' overrides: a supervisor or the command centre above the case's grid."""
        return self.covers(actor, OVERRIDE, case.grid_key)

    def may_complete_in_place(self, actor: Actor, task: TaskFacts, case: CaseFacts) -> bool:
        """Someone who may not work a task may still complete it in its holder's place."""
        return not self.may_work(actor, task) and self.may_override(actor, case)

    def may_steer(self, actor: Actor, case: CaseFacts) -> bool:
        """Decide extensions, suspend and resume: the dispatcher of the case's level, or
        whoever steers above its grid."""
        return self.steer_scope(actor).admits(case)

    def steer_scope(self, actor: Actor) -> SteerScope:
        """The units where the actor holds the dispatcher role of the unit's level, and
        the grids their ``steer`` reaches."""
        dispatcher = self.catalog.lanes["dispatcher"]
        review_units = tuple(
            unit
            for role, unit in actor.grants
            if unit in self.directory
            and role == dispatcher.role_for(self.directory.get(unit).level)
        )
        return SteerScope(review_units, tuple(self.grids_with(actor, STEER)))

    def special_task_issuer(self, actor: Actor, grids: Iterable[Unit]) -> Unit | None:
        """The narrowest unit from which the actor may send a special task to all
        ``grids``; None when no such unit exists."""
        wanted = list(grids)
        covering = [
            u
            for u in self.units(actor, ISSUE_SPECIAL_TASKS)
            if all(g.path.startswith(u.path) for g in wanted)
        ]
        return max(covering, key=lambda u: len(u.path)) if covering else None
