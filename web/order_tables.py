"""The order pool's downloads: the ranking of members or branches, and every confirmed
service behind it, as rows with Chinese headings (``web/exports.py`` writes the file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from workflows.services.context import GridcaseContext


def _unit(ctx: GridcaseContext, key: str | None) -> str:
    return ctx.directory.get(key).name_zh if key and key in ctx.directory else (key or "")


def ranking_table(ctx: GridcaseContext, ranking: Any) -> tuple[list[str], list[list[Any]]]:
    """Headings and rows (a total last) of a ranking."""
    if ranking.by == "branch":
        headings = ["名次", "党支部", "服务人次", "服务时长（小时）", "积分"]
        rows = [
            [n, r.name or "（未登记支部）", r.services, r.hours, r.points]
            for n, r in enumerate(ranking.rows, 1)
        ]
    else:
        headings = [
            "名次",
            "党员",
            "账号",
            "党支部",
            "居住社区",
            "服务次数",
            "服务时长（小时）",
            "积分",
        ]
        rows = [
            [n, r.name, r.key, r.branch, _unit(ctx, r.home_unit_key), r.services, r.hours, r.points]
            for n, r in enumerate(ranking.rows, 1)
        ]
    total = ["合计", *[""] * (len(headings) - 3), ranking.total_hours, ranking.total_points]
    return headings, [*rows, total]


def records_table(ctx: GridcaseContext, lines: Sequence[Any]) -> tuple[list[str], list[list[Any]]]:
    """Headings and rows of confirmed services, in time order."""
    zone = ctx.calendar.timezone
    kinds = ctx.catalog.service_orders.kinds

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    headings = [
        "点单",
        "类别",
        "发布单位",
        "服务开始",
        "服务结束",
        "党员",
        "党支部",
        "居住社区",
        "服务时长（小时）",
        "积分",
        "确认意见",
        "确认时间",
    ]
    rows = []
    for line in lines:
        order, claim = line.order, line.claim
        kind = kinds.get(order.kind)
        rows.append(
            [
                order.title,
                kind.name_zh if kind else order.kind,
                _unit(ctx, order.unit_key),
                when(order.starts_at),
                when(order.ends_at),
                line.display_name,
                claim.branch,
                _unit(ctx, claim.home_unit_key),
                claim.hours,
                claim.points,
                claim.comment,
                when(claim.confirmed_at),
            ]
        )
    return headings, rows
