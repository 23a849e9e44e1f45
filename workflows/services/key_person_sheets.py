"""The key-person register in spreadsheets: import with a report per bad row, and the
masked export. The rules of a person are those of :mod:`key_persons`."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.domain.errors import FieldErrors, Phrase
from workflows.domain.org import Unit
from workflows.domain.permissions import Actor
from workflows.services import key_persons
from workflows.services.context import GridcaseContext
from workflows.services.key_persons import PersonDraft

MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 10 * 1024 * 1024
# Spreadsheet columns, as the template names them.
COLUMNS = {
    "姓名": "name",
    "身份证号": "id_number",
    "联系电话": "phone",
    "网格": "grid",
    "住址": "address",
    "类别": "categories",
    "风险等级": "risk_level",
    "监护人": "guardian_name",
    "监护人关系": "guardian_relation",
    "监护人电话": "guardian_phone",
    "关联设备": "device_id",
    "备注": "notes",
}


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the spreadsheet numbers it (the header is row 1)
    fields: dict[str, list[Any]]


@dataclass(frozen=True)
class ImportReport:
    added: int
    problems: list[RowProblem]


def read_sheet(data: bytes, file_name: str) -> list[dict[str, str]]:
    """The rows of an .xlsx or .csv (UTF-8, with or without BOM) by column name.

    Raises: FieldErrors when the file cannot be read or lacks the name column."""
    if len(data) > MAX_IMPORT_BYTES:
        raise FieldErrors({"file": [Phrase("the file is larger than 10 MB")]})
    try:
        if file_name.lower().endswith(".csv"):
            text = data.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
        else:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [
                ["" if v is None else str(v) for v in row]
                for row in book.active.iter_rows(values_only=True)
            ]
    except Exception as err:  # any unreadable file is the uploader's error
        raise FieldErrors(
            {"file": [Phrase("cannot read this file: use the template (.xlsx or .csv)")]}
        ) from err
    if not rows or "姓名" not in [c.strip() for c in rows[0]]:
        raise FieldErrors(
            {"file": [Phrase("the first row must name the columns, starting with 姓名")]}
        )
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise FieldErrors({"file": [Phrase("at most %(n)s rows at a time", n=MAX_IMPORT_ROWS)]})
    header = [COLUMNS.get(c.strip(), "") for c in rows[0]]
    return [
        {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        for row in rows[1:]
    ]


def _draft_from_row(
    ctx: GridcaseContext, row: Mapping[str, str], grids: Mapping[str, Unit]
) -> PersonDraft:
    """A row as a draft: names of categories, risk levels and grids (the importer's grids;
    a grid named twice must be given by its code) turned into codes."""
    rules = ctx.catalog.key_persons
    by_name = {c.name_zh: code for code, c in rules.categories.items()}
    risks = {r["name_zh"]: code for code, r in rules.risk_levels.items()}
    by_grid_name: dict[str, list[str]] = {}
    for key, unit in grids.items():
        by_grid_name.setdefault(unit.name_zh, []).append(key)
    categories = [
        by_name.get(c.strip(), c.strip())
        for c in row.get("categories", "").replace("，", ",").replace("、", ",").split(",")
    ]
    guardian = {
        "name": row.get("guardian_name", ""),
        "relation": row.get("guardian_relation", ""),
        "phone": row.get("guardian_phone", ""),
    }
    grid = row.get("grid", "")
    named = by_grid_name.get(grid, [])
    return PersonDraft(
        grid=named[0] if len(named) == 1 else grid,
        name=row.get("name", ""),
        id_number=row.get("id_number", ""),
        phone=row.get("phone", ""),
        address=row.get("address", ""),
        categories=[c for c in categories if c],
        risk_level=risks.get(row.get("risk_level", ""), row.get("risk_level", "") or "low"),
        guardians=[guardian] if guardian["name"] else [],
        notes=row.get("notes", ""),
        device_id=row.get("device_id", ""),
    )


def import_sheet(ctx: GridcaseContext, actor: Actor, data: bytes, file_name: str) -> ImportReport:
    """Add every good row of a spreadsheet, in one transaction, and report each bad row with
    its problems (a row repeating an ID number of the register or of an earlier row is bad).
    Blank rows are skipped.

    Raises: FieldErrors when the file itself is unusable (nothing added)."""
    rows = read_sheet(data, file_name)
    grids = {g: ctx.directory.get(g) for g in key_persons.grids_of(ctx, actor)}
    problems: list[RowProblem] = []
    added = 0
    seen: set[str] = set()
    with ctx.uow() as uow:
        for number, row in enumerate(rows, start=2):
            if not any(row.values()):
                continue
            draft = key_persons.normalised(_draft_from_row(ctx, row, grids))
            try:
                key_persons.check_draft(ctx, uow, actor, draft)
                if draft.id_number and draft.id_number in seen:
                    raise FieldErrors(
                        {"id_number": [Phrase("this ID number is in an earlier row")]}
                    )
            except FieldErrors as err:
                problems.append(RowProblem(number, err.fields))
                continue
            seen.add(draft.id_number)
            key_persons.add_person(ctx, uow, actor, draft, "imported")
            added += 1
        uow.commit()
    return ImportReport(added, problems)


def export_rows(ctx: GridcaseContext, actor: Actor) -> list[list[str]]:
    """The register as the actor sees it, for a spreadsheet: masked, always (an export is a
    copy that leaves the system; opening a field is for one person on the page)."""
    rules = ctx.catalog.key_persons
    listing = key_persons.find(ctx, actor, limit=1_000_000)
    header = [
        "姓名",
        "身份证号",
        "联系电话",
        "网格",
        "住址",
        "类别",
        "风险等级",
        "下次走访",
        "最近走访",
    ]
    out = [header]
    for p in listing.people:
        out.append(
            [
                p.name,
                p.id_number,
                p.phone,
                ctx.directory.get(p.grid_key).name_zh,
                p.address,
                "、".join(
                    rules.categories[c].name_zh for c in p.categories if c in rules.categories
                ),
                rules.risk_levels.get(p.risk_level, {}).get("name_zh", p.risk_level),
                _day(ctx, p.next_visit_due),
                _day(ctx, p.last_visit_at),
            ]
        )
    return out


def _day(ctx: GridcaseContext, when: datetime | None) -> str:
    return when.astimezone(ctx.calendar.timezone).strftime("%Y-%m-%d") if when else ""
