"""Downloads: a case query or an indicator table as CSV (UTF-8 with a byte-order mark, so
that Excel opens Chinese correctly) or as an Excel workbook (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask import Response
from openpyxl import Workbook

from workflows.domain.indicators import CASE_COUNTS, MARK_COUNTS, RATES, WORKER_COUNTS
from workflows.services.context import GridcaseContext

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CASE_COLUMNS = (
    "案件编号",
    "标题",
    "类别",
    "事件小类",
    "状态",
    "紧急程度",
    "来源渠道",
    "街道",
    "社区",
    "网格",
    "处置部门",
    "上报时间",
    "立案时间",
    "处置期限",
    "处置反馈时间",
    "结案时间",
    "满意度",
    "退回次数",
    "返工次数",
    "地址",
    "上报人",
)
SATISFACTION = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "satisfied_by_default": "默认满意",
}


def case_rows(ctx: GridcaseContext, found: Iterable[Any], status_names: dict) -> Iterable[list]:
    """One row of ``CASE_COLUMNS`` per case, in the city's time zone."""
    catalog, directory = ctx.catalog, ctx.directory
    zone = ctx.calendar.timezone

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    def unit(key: str | None) -> str:
        return directory.get(key).name_zh if key and key in directory else (key or "")

    for c in found:
        event = catalog.subclasses.get(c.event_code or "")
        yield [
            c.number,
            c.title,
            catalog.category(c.category).name_zh,
            event["name_zh"] if event else "",
            str(status_names.get(c.status, c.status)),
            catalog.priorities[c.priority]["name_zh"],
            catalog.channels[c.channel].name_zh if c.channel in catalog.channels else c.channel,
            unit(c.street_key),
            unit(c.community_key),
            unit(c.grid_key),
            unit(c.department_key),
            when(c.created_at),
            when(c.registered_at),
            when(c.deadline),
            when(c.handled_at),
            when(c.closed_at),
            SATISFACTION.get(c.satisfaction or "", ""),
            c.return_count,
            c.rework_count,
            c.address,
            c.reporter_name,
        ]


def indicator_columns(by: str) -> list[tuple[str, str]]:
    """(field, Chinese heading) of an indicator table's columns."""
    counts = WORKER_COUNTS if by == "grid_worker" else CASE_COUNTS
    if by == "department":
        counts = (*counts, *MARK_COUNTS)
    names = {m.name for m in counts}
    columns = [(m.name, m.zh) for m in counts]
    columns += [(r.name, r.zh) for r in RATES if r.denominator in names]
    if by == "grid_worker":
        columns.append(("reward", "奖励（元）"))
    return columns


def indicator_rows(table: Any) -> tuple[list[str], list[list]]:
    """Headings and rows (the total last) of an indicator table; rates as percentages."""
    columns = indicator_columns(table.by)
    headings = ["名称", *(zh for _, zh in columns)]
    rows = []
    for row in [*table.rows, table.total]:
        cells: list[Any] = [row.name]
        for name, _ in columns:
            if name == "reward":
                cells.append(table.rewards.get(row.key, ""))
            elif name in row.rates:
                value = row.rates[name].value
                cells.append("" if value is None else f"{value * 100:.1f}%")
            else:
                cells.append(int(row.counts.get(name, 0)))
        rows.append(cells)
    return headings, rows


def download(
    headings: Sequence[str], rows: Iterable[Sequence[Any]], file_stem: str, kind: str
) -> Response:
    """A CSV or XLSX attachment of the rows."""
    if kind == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title="gridcase")
        sheet.append(list(headings))
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        body, mimetype = out.getvalue(), XLSX
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headings)
        writer.writerows(rows)
        body, mimetype = ("\ufeff" + text.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    name = f"{file_stem}.{kind}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
