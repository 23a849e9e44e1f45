"""Handing work to a colleague: delegate one task (委托), or name an out-of-office
substitute (代班) who acts for you over a date range. Both go into the audit journal.

A substitute, while the range is open, sees and may complete everything the absent person
could: tasks held by them and tasks of their roles in their units (see ``auth.load_actor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine import instances
from engine.assignment import Assignment
from engine.instances import journal
from workflows.adapters.models import Substitution
from workflows.domain.errors import (
    ConflictError,
    FieldErrors,
    ForbiddenError,
    NotFoundError,
    Phrase,
)
from workflows.domain.permissions import Actor
from workflows.services.case_progress import refresh_status
from workflows.services.cases import TaskView
from workflows.services.context import GridcaseContext


def delegate(ctx: GridcaseContext, actor: Actor, task_id: str, to: str, reason: str) -> TaskView:
    """Give a waiting task to a colleague who holds the task's role in its unit.

    Raises:
        ForbiddenError: the actor may not work the task.
        FieldErrors: no reason, unknown colleague, or one who may not do this task.
        ConflictError: the task is finished.
    """
    if not reason.strip():
        raise FieldErrors({"reason": ["give a reason"]})
    with ctx.uow() as uow:
        record = uow.tasks.get(task_id)
        if not ctx.permissions.may_work(actor, record):
            raise ForbiddenError(f"{actor.username} does not hold this task")
        colleague = uow.users.by_username(to)
        if colleague is None or not colleague.active:
            raise FieldErrors({"to": [Phrase("no user %(name)s", name=to)]})
        grants = {(g.role, g.unit_key) for g in uow.users.grants(colleague.id)}
        if (record.role, record.unit_key) not in grants:
            raise FieldErrors(
                {"to": [Phrase("%(name)s does not hold this step's role in its unit", name=to)]}
            )
        instances.reassign_task(
            uow,
            task_id,
            Assignment(role=record.role, unit_key=None, unit_path=None, assignee=to),
            actor.username,
            reason,
            action="delegated",
        )
        case = uow.cases.by_instance(record.instance_id)
        refresh_status(uow, case)
        uow.commit()
        return TaskView(record, case)


def set_substitute(
    ctx: GridcaseContext,
    actor: Actor,
    substitute: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> Substitution:
    """Name who acts for the actor from ``starts_at`` until ``ends_at``.

    Raises:
        FieldErrors: unknown or same person, an empty or past range, no reason, or an
        overlap with another of the actor's substitutions.
    """
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["give a reason"]
    if substitute == actor.username:
        errors["substitute"] = [Phrase("name someone else")]
    with ctx.uow() as uow:
        if ends_at <= starts_at:
            errors["ends_at"] = [Phrase("the end must be after the start")]
        elif ends_at <= uow.now():
            errors["ends_at"] = [Phrase("the end is in the past")]
        other = uow.users.by_username(substitute)
        if other is None or not other.active:
            errors.setdefault("substitute", []).append(Phrase("no user %(name)s", name=substitute))
        if errors:
            raise FieldErrors(errors)
        assert other is not None
        if uow.substitutions.overlapping(actor.user_id, starts_at, ends_at):
            raise FieldErrors({"starts_at": [Phrase("overlaps another substitution of yours")]})
        row = Substitution(
            user_id=actor.user_id,
            username=actor.username,
            substitute_id=other.id,
            substitute_username=other.username,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            created_at=uow.now(),
        )
        uow.substitutions.add(row)
        journal(
            uow,
            None,
            actor.username,
            "substitute_set",
            reason=row.reason,
            payload={
                "substitute": other.username,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
        )
        uow.commit()
        return row


def cancel_substitute(ctx: GridcaseContext, actor: Actor, substitution_id: int) -> None:
    """End one of the actor's substitutions now.

    Raises: NotFoundError (not the actor's), ConflictError (already over).
    """
    with ctx.uow() as uow:
        row = uow.substitutions.get(substitution_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFoundError(f"no substitution {substitution_id}")
        now = uow.now()
        if row.cancelled_at is not None or row.ends_at <= now:
            raise ConflictError(Phrase("this substitution is already over"))
        row.cancelled_at = now
        journal(
            uow,
            None,
            actor.username,
            "substitute_cancelled",
            payload={"substitute": row.substitute_username, "id": row.id},
        )
        uow.commit()


def substitutions(ctx: GridcaseContext, actor: Actor) -> tuple[Sequence[Substitution], ...]:
    """(the actor's own substitutions that are not over, those where the actor stands in)."""
    with ctx.uow() as uow:
        now = uow.now()
        mine = uow.substitutions.current_for(actor.user_id, now)
        standing_in = uow.substitutions.current_by(actor.user_id, now)
        uow.session.expunge_all()
        return mine, standing_in


def colleagues(ctx: GridcaseContext, actor: Actor, task_id: str) -> list[tuple[str, str]]:
    """Whom the actor may delegate a task to: (user name, display name), the actor excluded."""
    with ctx.uow() as uow:
        record = uow.tasks.get(task_id)
        return [
            (u.username, u.display_name)
            for u in uow.users.holders(record.role or "", record.unit_key or "")
            if u.username != actor.username
        ]
