"""Photos and files: size and type limits, kept with the case in the transaction of the
action that brings them (a report, a completed step), served only to those who may see the
case they belong to."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageOps

from workflows.adapters.models import Attachment, Case
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.domain.errors import FieldErrors, ForbiddenError, Phrase
from workflows.domain.permissions import KEY_PERSONS, Actor
from workflows.domain.task_forms import photo_fields, validate_form
from workflows.services.context import GridcaseContext

MAX_BYTES = 8 * 1024 * 1024
MAX_FILES = 9
TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


# What Pillow calls each accepted image type.
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Larger images are refused before they are decoded (a small file can unpack to gigabytes).
MAX_PIXELS = 50_000_000
# Lists and side-by-side views load a small copy made at upload, not the phone's full photo.
THUMBNAIL_SIZE = (480, 480)
THUMBNAIL_SUFFIX = ".thumb.jpg"


def _thumbnail(kind: str, data: bytes) -> bytes | None:
    """A small JPEG of a kept image (None for a PDF)."""
    if kind not in IMAGE_FORMATS:
        return None
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80)
        return out.getvalue()


def _accepted(kind: str, data: bytes) -> bytes | None:
    """The file as it will be kept, or None when it is not what it claims to be (the
    browser's content type alone proves nothing). An image must decode as its type; it is
    kept re-encoded, upright and without its metadata — a phone's photo carries the GPS
    position and the device in its EXIF, which the case does not need (its place is the
    case's). A PDF must start as one."""
    if kind == "application/pdf":
        return data if data.startswith(b"%PDF") else None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != IMAGE_FORMATS[kind] or image.width * image.height > MAX_PIXELS:
                return None
            image.load()
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "image/jpeg":
                upright.convert("RGB").save(out, "JPEG", quality=90)
            else:
                upright.save(out, IMAGE_FORMATS[kind])
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


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
    thumbnail: bytes | None = None


def check(uploads: Sequence[Upload], field: str = "photos") -> list[Checked]:
    """Read and check uploaded files without keeping them (empty file inputs are skipped).

    Raises:
        FieldErrors: too many files, a file too large, or a type not accepted.
    """
    uploads = [u for u in uploads if u.file_name]
    if len(uploads) > MAX_FILES:
        raise FieldErrors({field: [Phrase("at most %(n)s files", n=MAX_FILES)]})
    checked = []
    for upload in uploads:
        data = upload.stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise FieldErrors(
                {
                    field: [
                        Phrase(
                            "%(file)s: larger than %(mb)s MB",
                            file=upload.file_name,
                            mb=MAX_BYTES // 2**20,
                        )
                    ]
                }
            )
        kind = upload.content_type.split(";")[0].strip()
        kept = _accepted(kind, data) if kind in TYPES else None
        if kept is None:
            raise FieldErrors({field: [f"{upload.file_name}: only JPEG, PNG, WebP or PDF"]})
        name = Path(upload.file_name).name[:200]
        checked.append(Checked(name, kind, kept, _thumbnail(kind, kept)))
    return checked


def check_fields(
    uploads: Mapping[str, Sequence[Upload]], fields: Sequence[str]
) -> tuple[dict[str, list[Checked]], dict[str, list[str]]]:
    """Check the files of several fields at once: (checked files by field, errors by field).
    Files sent under a field that takes none are an error of that field."""
    checked: dict[str, list[Checked]] = {}
    errors: dict[str, list[str]] = {}
    for name, files in uploads.items():
        if not [f for f in files if f.file_name]:
            continue
        if name not in fields:
            errors[name] = [Phrase("this field takes no files")]
            continue
        try:
            checked[name] = check(files, name)
        except FieldErrors as err:
            errors |= err.fields
    return checked, errors


@dataclass
class Answers:
    """A form's answers checked against its schema, the files of its photo fields checked
    against the limits, and every problem found (field → messages)."""

    data: dict[str, Any]
    files: dict[str, list[Checked]]
    errors: dict[str, list[Any]]
    form_valid: bool  # the answers passed the schema (the caller's own rules may run)


def check_answers(
    schema: Mapping[str, Any] | None,
    submitted: Mapping[str, Any],
    photos: Mapping[str, Sequence[Upload]],
) -> Answers:
    """Check answers and files together, collecting every problem (the caller adds its own
    rules' problems and raises)."""
    files, errors = check_fields(photos, photo_fields(schema))
    try:
        return Answers(validate_form(schema, submitted), files, errors, True)
    except FieldErrors as err:
        return Answers({}, files, err.fields | errors, False)


def keep_answered(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case | None,
    answers: Answers,
    task_id: str,
) -> dict[str, Any]:
    """Store the answers' files with the case (or only the task) and return the answers
    with each photo field naming its files' ids."""
    data = dict(answers.data)
    for name, checked in answers.files.items():
        kept = keep(ctx, uow, actor, case, checked, task_id)
        data[name] = [*(data.get(name) or []), *(str(row.id) for row in kept)]
    return data


def keep(
    ctx: GridcaseContext,
    uow: CaseUnitOfWork,
    actor: Actor,
    case: Case | None,
    files: Sequence[Checked],
    task_id: str | None = None,
) -> list[Attachment]:
    """Store checked files with the case (or only the task: a care visit's photos) in the
    current transaction; their bodies are removed again if it does not commit."""
    rows = []
    for f in files:
        name = ctx.files.save(f.data, TYPES[f.content_type])
        uow.on_rollback(ctx.files.delete, name)
        if f.thumbnail is not None:
            ctx.files.save_as(name + THUMBNAIL_SUFFIX, f.thumbnail)
            uow.on_rollback(ctx.files.delete, name + THUMBNAIL_SUFFIX)
        row = Attachment(
            case_id=case.id if case is not None else None,
            task_id=task_id,
            file_name=f.file_name,
            content_type=f.content_type,
            size=len(f.data),
            stored_as=name,
            uploaded_by=actor.username,
            created_at=uow.now(),
        )
        uow.attachments.add(row)
        rows.append(row)
    return rows


def open_file(
    ctx: GridcaseContext, actor: Actor, attachment_id: int, thumbnail: bool = False
) -> tuple[Attachment, Path]:
    """The file, or its small copy (the file itself when it has none: a PDF, an upload from
    before thumbnails).

    Raises: NotFoundError; ForbiddenError unless the actor may see the file's case (or
    uploaded it before it belonged to a case, or keeps the person whose care visit it
    records)."""
    with ctx.uow() as uow:
        row = uow.attachments.get(attachment_id)
        if row.case_id is None:
            allowed = row.uploaded_by == actor.username or _care_photo_for(ctx, uow, actor, row)
        else:
            case = uow.cases.get(row.case_id)
            tasks = uow.tasks.for_instance(case.instance_id) if case.instance_id else ()
            allowed = ctx.permissions.may_see_case(actor, case, tasks)
        if not allowed:
            raise ForbiddenError("you may not see this file")
        small = ctx.files.path(row.stored_as + THUMBNAIL_SUFFIX)
        if thumbnail and small.exists():
            return row, small
        return row, ctx.files.path(row.stored_as)


def _care_photo_for(
    ctx: GridcaseContext, uow: CaseUnitOfWork, actor: Actor, row: Attachment
) -> bool:
    """A care visit's photo: seen by whoever keeps the register of the person's grid."""
    if row.task_id is None:
        return False
    visit = uow.key_persons.visit_by_instance(uow.tasks.get(row.task_id).instance_id)
    return visit is not None and ctx.permissions.covers(actor, KEY_PERSONS, visit.grid_key)
