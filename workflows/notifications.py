"""Notices raised by timers and supervision: stored for the in-app inbox, pushed by jobs."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from engine.db import utcnow
from workflows.auth import Actor
from workflows.context import GridcaseContext
from workflows.errors import ForbiddenError
from workflows.models import Case, Notification
from workflows.uow import CaseUnitOfWork

TITLES = {
    "warning": "预警：{number} 即将超期",
    "overdue": "超期：{number} 已超过办理时限",
    "auto_closed": "默认满意：{number} 未评价，已按满意结案",
    "supervised": "督办：{number}",
}


@dataclass(frozen=True)
class Recipient:
    role: str | None
    unit_key: str | None
    username: str | None = None


def add_notices(
    uow: CaseUnitOfWork, case: Case, kind: str, recipients: Sequence[Recipient], body: str = ""
) -> list[Notification]:
    """Store one notice per recipient (duplicates removed) in the current transaction."""
    title = TITLES.get(kind, kind).format(number=case.number)
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
            created_at=utcnow(),
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
        notice.read_at = notice.read_at or utcnow()
        uow.commit()
        return notice


def deliver_webhook(ctx: GridcaseContext, notification_id: int) -> None:
    """POST a notice to the configured webhook; raising lets RQ retry and then keep the
    failure in its failed-job registry."""
    url = ctx.settings.webhook_url
    if not url:
        return
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
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        status = response.status
    with ctx.uow() as uow:
        notice = uow.notifications.get(notification_id)
        notice.deliveries = {
            **notice.deliveries,
            "webhook": {"status": status, "at": utcnow().isoformat()},
        }
        uow.commit()
