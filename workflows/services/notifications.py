"""Notices raised by timers, supervision and requests: stored for the in-app inbox in the
transaction that raised them, pushed through outbound channels by jobs after it commits."""

from __future__ import annotations

from collections.abc import Sequence

from workflows.adapters.channels import outbound_channels
from workflows.adapters.models import Case, Notification
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import Recipient
from workflows.domain.errors import ForbiddenError
from workflows.domain.permissions import Actor
from workflows.services.context import GridcaseContext


def add_notices(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    case: Case,
    kind: str,
    recipients: Sequence[Recipient],
    body: str = "",
) -> list[Notification]:
    """Store one notice per recipient (duplicates removed) in the current transaction,
    titled as the catalog's event says."""
    title = ctx.catalog.event(kind).title_zh.format(number=case.number)
    notices = []
    for r in dict.fromkeys(recipients):
        notice = Notification(
            case_id=case.id,
            kind=kind,
            role=r.role,
            unit_key=r.unit_key,
            username=r.username,
            title=title,
            body=body or case.title,
            created_at=uow.now(),
        )
        uow.notifications.add(notice)
        notices.append(notice)
    return notices


def for_actor(ctx: GridcaseContext, actor: Actor, unread_only: bool = False) -> list[Notification]:
    """Notices addressed to the actor or to a role they hold."""
    with ctx.uow() as uow:
        return list(uow.notifications.for_recipient(actor.username, actor.grants, unread_only))


def mark_read(ctx: GridcaseContext, actor: Actor, notification_id: int) -> Notification:
    """Raises: NotFoundError; ForbiddenError when the notice is not the actor's."""
    with ctx.uow() as uow:
        notice = uow.notifications.get(notification_id)
        mine = notice.username == actor.username or actor.holds(notice.role, notice.unit_key)
        if not mine:
            raise ForbiddenError("not your notification")
        notice.read_at = notice.read_at or uow.now()
        uow.commit()
        return notice


def deliver(ctx: GridcaseContext, notification_id: int, channel_name: str) -> None:
    """Send one stored notice through one channel and record the outcome on the notice."""
    channel = outbound_channels(ctx.settings)[channel_name]
    with ctx.uow() as uow:
        notice = uow.notifications.get(notification_id)
        payload = {
            "id": notice.id,
            "kind": notice.kind,
            "title": notice.title,
            "body": notice.body,
            "role": notice.role,
            "unit": notice.unit_key,
            "username": notice.username,
            "case_id": notice.case_id,
            "created_at": notice.created_at.isoformat(),
        }
    outcome = channel.send(payload)
    with ctx.uow() as uow:
        notice = uow.notifications.get(notification_id)
        record = {**outcome, "at": uow.now().isoformat()}
        notice.deliveries = {**notice.deliveries, channel.name: record}
        uow.commit()
