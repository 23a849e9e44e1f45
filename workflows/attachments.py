"""Photos and files: size and type limits, storage under the upload directory, and access
only for those who may see the case they belong to."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine.db import utcnow
from workflows.auth import Actor
from workflows.cases import may_see_case
from workflows.context import GridcaseContext
from workflows.errors import FieldErrors, ForbiddenError
from workflows.models import Attachment

MAX_BYTES = 8 * 1024 * 1024
MAX_FILES = 9
TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
# First bytes of each accepted type: the browser's content type alone proves nothing.
MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF",),
}


@dataclass(frozen=True)
class Upload:
    file_name: str
    content_type: str
    stream: BinaryIO


@dataclass(frozen=True)
class Checked:
    file_name: str
    content_type: str
    data: bytes


def check(uploads: Sequence[Upload], field: str = "photos") -> list[Checked]:
    """Read and check uploaded files without keeping them (empty file inputs are skipped).

    Raises:
        FieldErrors: too many files, a file too large, or a type not accepted.
    """
    uploads = [u for u in uploads if u.file_name]
    if len(uploads) > MAX_FILES:
        raise FieldErrors({field: [f"at most {MAX_FILES} files"]})
    checked = []
    for upload in uploads:
        data = upload.stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise FieldErrors({field: [f"{upload.file_name}: larger than {MAX_BYTES // 2**20} MB"]})
        kind = upload.content_type.split(";")[0].strip()
        if kind not in TYPES or not data.startswith(MAGIC[kind]):
            raise FieldErrors({field: [f"{upload.file_name}: only JPEG, PNG, WebP or PDF"]})
        checked.append(Checked(Path(upload.file_name).name[:200], kind, data))
    return checked


def keep(ctx: GridcaseContext, actor: Actor, files: Sequence[Checked]) -> list[int]:
    """Store checked files under the upload directory (not yet attached); their ids."""
    if not files:
        return []
    folder = Path(ctx.settings.upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    with ctx.uow() as uow:
        for f in files:
            name = secrets.token_hex(16) + TYPES[f.content_type]
            (folder / name).write_bytes(f.data)
            row = Attachment(
                file_name=f.file_name,
                content_type=f.content_type,
                size=len(f.data),
                stored_as=name,
                uploaded_by=actor.username,
                created_at=utcnow(),
            )
            uow.attachments.add(row)
            ids.append(row.id)
        uow.commit()
    return ids


def store(
    ctx: GridcaseContext, actor: Actor, uploads: Sequence[Upload], field: str = "photos"
) -> list[int]:
    """Check and keep uploaded files; returns their ids.

    Raises:
        FieldErrors: as :func:`check`; nothing is kept then.
    """
    return keep(ctx, actor, check(uploads, field))


def attach(
    ctx: GridcaseContext, actor: Actor, number: str, ids: Sequence[int], task_id: str | None = None
) -> None:
    """Tie the actor's unattached uploads to a case."""
    if not ids:
        return
    with ctx.uow() as uow:
        case = uow.cases.by_number(number)
        for row in uow.attachments.many(ids):
            if row.uploaded_by == actor.username and row.case_id is None:
                row.case_id = case.id
                row.task_id = task_id
        uow.commit()


def open_file(ctx: GridcaseContext, actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    """Raises: NotFoundError; ForbiddenError unless the actor may see the case (or uploaded
    the file and it is not attached yet)."""
    with ctx.uow() as uow:
        row = uow.attachments.get(attachment_id)
        if row.case_id is None:
            allowed = row.uploaded_by == actor.username
        else:
            allowed = may_see_case(ctx, uow, actor, uow.cases.get(row.case_id))
        if not allowed:
            raise ForbiddenError("you may not see this file")
        return row, Path(ctx.settings.upload_dir) / row.stored_as
