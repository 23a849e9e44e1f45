"""Notices raised by timers and supervision: stored for the in-app inbox, pushed by jobs."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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
    "conference_missed": "联席会议：{number} 未在时限内提出意见，已记录",
    "callin_late": "吹哨报到：{number} 超时未报到，已督办并记录",
    "stability_alert": "维稳预警：{number} 高风险矛盾纠纷，已提级街道",
    "reopened": "重新受理：{number} 调解协议未履行",
    "special_task_missed": "专项任务：{number} 网格未按时反馈",
    "special_task_summary": "专项任务：{number} 汇总已生成",
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


class Channel(Protocol):
    """An outbound way to reach people (the stored row itself is the in-app channel).

    ``send`` raises on failure so that the RQ job retries and finally lands in the failed
    registry; it returns what is worth keeping about the delivery.
    """

    name: str

    def send(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs each notice as JSON to one URL set by the administrator."""

    url: str
    name: str = "webhook"

    def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return {"status": response.status}


def outbound_channels(ctx: GridcaseContext) -> dict[str, Channel]:
    """The configured outbound channels by name (SMS or WeChat adapters plug in here)."""
    found: dict[str, Channel] = {}
    if ctx.settings.webhook_url:
        found["webhook"] = WebhookChannel(ctx.settings.webhook_url)
    return found


def deliver(ctx: GridcaseContext, notification_id: int, channel_name: str) -> None:
    """Send one stored notice through one channel and record the outcome on the notice."""
    channel = outbound_channels(ctx)[channel_name]
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
        record = {**outcome, "at": utcnow().isoformat()}
        notice.deliveries = {**notice.deliveries, channel.name: record}
        uow.commit()
