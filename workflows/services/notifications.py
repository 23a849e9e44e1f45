"""Notices raised by timers, supervision and requests: stored for the in-app inbox in the
transaction that raised them, pushed through outbound channels by jobs after it commits.

The notice row is the outbox: it names the channels still to deliver it, so a notice whose
job Redis lost (stopped, flushed) is sent by the worker's sweep once Redis is back. Delivery
is at least once — a worker killed between the send and its record sends again — and each
payload carries the notice's ``id`` for the receiver to recognise a repeat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflows.adapters.channels import outbound_channels
from workflows.adapters.models import Case, Notification
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.case_events import Recipient
from workflows.domain.errors import ForbiddenError
from workflows.domain.permissions import Actor
from workflows.services.context import GridcaseContext

# How long a notice's delivery is left to its own job before the sweep sends it again.
OUTBOX_GRACE = timedelta(seconds=10)


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
    return notify(ctx, uow, kind, recipients, title=title, body=body or case.title, case=case)


def notify(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    kind: str,
    recipients: Sequence[Recipient],
    *,
    title: str,
    body: str = "",
    case: Case | None = None,
) -> list[Notification]:
    """Store one notice per recipient (duplicates removed) in the current transaction; a
    notice about no case (a missed care visit, an unclaimed volunteer order) has none."""
    pending = ",".join(outbound_channels(ctx.settings))
    notices = []
    for r in dict.fromkeys(recipients):
        notice = Notification(
            case_id=case.id if case is not None else None,
            kind=kind,
            role=r.role,
            unit_key=r.unit_key,
            username=r.username,
            title=title,
            body=body,
            created_at=uow.now(),
            pending_channels=pending,
        )
        uow.notifications.add(notice)
        notices.append(notice)
    return notices


@dataclass(frozen=True)
class NoticeView:
    """A notice as one person sees it: its case's number, and whether *they* have read it
    (a notice for a role is read by each holder on their own)."""

    notice: Notification
    case_number: str | None
    read_at: datetime | None

    def __getattr__(self, name: str) -> Any:  # the notice's own fields
        return getattr(self.notice, name)


def for_actor(ctx: GridcaseContext, actor: Actor, unread_only: bool = False) -> list[NoticeView]:
    """Notices addressed to the actor or to a role they hold, newest first."""
    with ctx.uow() as uow:
        found = uow.notifications.for_recipient(actor.username, actor.grants, unread_only)
        numbers = uow.notifications.case_numbers(found)
        read = uow.notifications.read_times(actor.username, found)
        return [NoticeView(n, numbers.get(n.case_id or 0), read.get(n.id)) for n in found]


def unread_count(ctx: GridcaseContext, actor: Actor) -> int:
    """How many notices the actor has not read (up to 100)."""
    with ctx.uow() as uow:
        return uow.notifications.unread_count(actor.username, actor.grants)


def mark_all_read(ctx: GridcaseContext, actor: Actor) -> int:
    """Mark every notice of the actor read, for them; how many were unread."""
    with ctx.uow() as uow:
        count = uow.notifications.mark_all_read(actor.username, actor.grants, uow.now())
        uow.commit()
        return count


def mark_read(ctx: GridcaseContext, actor: Actor, notification_id: int) -> NoticeView:
    """The actor has read the notice (colleagues holding the same role have not).

    Raises: NotFoundError; ForbiddenError when the notice is not the actor's."""
    with ctx.uow() as uow:
        notice = uow.notifications.get(notification_id)
        mine = notice.username == actor.username or actor.holds(notice.role, notice.unit_key)
        if not mine:
            raise ForbiddenError("not your notification")
        read_at = notice.read_at or uow.notifications.mark_read(notice, actor.username, uow.now())
        uow.commit()
        number = uow.notifications.case_numbers([notice]).get(notice.case_id or 0)
        return NoticeView(notice, number, read_at)


def delivery_job_id(notification_id: int, channel: str) -> str:
    """One job per notice and channel: the sweep does not queue a second one beside it."""
    return f"gridcase-notice-{notification_id}-{channel}"


def deliver(ctx: GridcaseContext, notification_id: int, channel_name: str) -> None:
    """Send one stored notice through one channel and record the outcome on the notice;
    nothing to do when that channel has delivered it already."""
    channel = outbound_channels(ctx.settings)[channel_name]
    with ctx.uow() as uow:
        notice = uow.notifications.get(notification_id)
        if channel.name not in _channels(notice):
            return
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
        notice.pending_channels = ",".join(c for c in _channels(notice) if c != channel.name)
        uow.commit()


def resend_pending(ctx: GridcaseContext, grace: timedelta) -> int:
    """Queue again every delivery still pending ``grace`` after its notice was stored whose
    job is gone (Redis stopped or flushed before it ran); the number queued."""
    with ctx.uow() as uow:
        pending = [(n.id, _channels(n)) for n in uow.notifications.pending(uow.now() - grace)]
    queued = 0
    for notification_id, channels in pending:
        for channel in channels:
            job_id = delivery_job_id(notification_id, channel)
            queued += ctx.jobs.enqueue_once(
                "deliver_notification", notification_id, channel, job_id=job_id
            )
    return queued


def _channels(notice: Notification) -> list[str]:
    return [c for c in notice.pending_channels.split(",") if c]
