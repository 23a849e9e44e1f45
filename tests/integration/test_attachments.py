"""Photos and files: type checked by content, size and count limits, kept with the case in
the transaction that brings them (or not at all), readable only by those who may see the
case — designers and device gateways included, who see no case data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.app_fixtures import make_context
from tests.images import jpeg_with_gps, png
from tests.processes.helpers import accepted, step
from workflows.domain.errors import FieldErrors, ForbiddenError
from workflows.services import attachments, cases
from workflows.services.accounts import load_actor
from workflows.services.attachments import MAX_BYTES, MAX_FILES, Upload

PNG = png()
GRID1 = "339901001001001"


def _upload(name: str = "a.png", kind: str = "image/png", data: bytes = PNG) -> Upload:
    return Upload(name, kind, io.BytesIO(data))


def _huge_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def ctx_with_uploads(backend_url: str, tmp_path: Path):
    context = make_context(backend_url, upload_dir=tmp_path / "files")
    yield context, tmp_path / "files"
    context.close()


@pytest.mark.parametrize(
    "upload",
    [
        _upload("x.png", "image/png", b"GIF89a..."),  # a PNG by name, not by content
        _upload("x.exe", "application/x-msdownload", b"MZ"),
        _upload(data=PNG + b"\0" * MAX_BYTES),
        _upload("x.webp", "image/webp", b"RIFF\0\0\0\0<html>"),  # RIFF, but not WebP
        _upload("x.webp", "image/webp", b"RIFF\0\0\0\0WEBP<html><script>"),  # the header only
        _upload("x.png", "image/png", PNG[:20] + b"<html>" * 20),  # a PNG's start, then HTML
        _upload("x.jpg", "image/jpeg", PNG),  # a real PNG sent as a JPEG
        _upload("bomb.png", "image/png", _huge_png()),  # 10,000 × 10,000 in a few kB
    ],
)
def test_a_refused_file_keeps_nothing(ctx_with_uploads, upload: Upload) -> None:
    ctx, folder = ctx_with_uploads
    gw01 = load_actor(ctx, "gw01")
    with pytest.raises(FieldErrors) as err:
        cases.report_case(ctx, gw01, cases.NewCase("02", "占道", grid=GRID1), [upload])
    assert "photos" in err.value.fields
    assert not folder.exists() or not any(folder.iterdir())
    with ctx.uow() as uow:
        assert uow.cases.count() == 0


def test_a_phones_photo_is_kept_without_its_gps_position(ctx_with_uploads) -> None:
    ctx, _folder = ctx_with_uploads
    photo = _upload("现场.jpg", "image/jpeg", jpeg_with_gps())
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif().get_ifd(0x8825)  # it had one
    detail = cases.report_case(
        ctx, load_actor(ctx, "gw01"), cases.NewCase("02", "占道", grid=GRID1), [photo]
    )
    row, path = attachments.open_file(ctx, load_actor(ctx, "gw01"), int(detail.case.photos[0]))
    kept = Image.open(path)
    assert kept.format == "JPEG" and kept.size == (8, 6) and row.content_type == "image/jpeg"
    assert not kept.getexif()  # neither the place nor the camera


def test_too_many_files_and_a_bad_case_are_told_together(ctx_with_uploads) -> None:
    ctx, _folder = ctx_with_uploads
    many = [_upload() for _ in range(MAX_FILES + 1)]
    with pytest.raises(FieldErrors) as err:
        cases.report_case(ctx, load_actor(ctx, "gw01"), cases.NewCase("99", "x", grid=GRID1), many)
    assert {"photos", "category", "description"} <= set(err.value.fields)


def test_photos_are_kept_with_the_report_and_read_by_who_sees_the_case(ctx_with_uploads) -> None:
    ctx, folder = ctx_with_uploads
    gw01 = load_actor(ctx, "gw01")
    detail = cases.report_case(
        ctx, gw01, cases.NewCase("02", "占道", grid=GRID1), [_upload("现场.png")]
    )
    ids = [a.id for a in detail.attachments]
    assert len(ids) == 1 and detail.case.photos == [str(ids[0])]

    row, path = attachments.open_file(ctx, load_actor(ctx, "cd01"), ids[0])  # its community
    assert path.parent == folder and path.read_bytes() == PNG and row.file_name == "现场.png"
    for outsider in ("gw04", "designer", "iot-gw"):  # another community; no case role at all
        with pytest.raises(ForbiddenError):
            attachments.open_file(ctx, load_actor(ctx, outsider), ids[0])


def test_photos_of_a_completed_step_belong_to_the_step(ctx_with_uploads) -> None:
    ctx, folder = ctx_with_uploads
    number = accepted(ctx)
    step(ctx, number, "dispatch", "cd01", {"department": "dept-cg"})
    step(ctx, number, "sign", "dh-cg", {"decision": "accept"})
    handle = next(
        t
        for t in cases.get_case(ctx, load_actor(ctx, "admin"), number).tasks
        if t.task.element_id == "handle" and t.task.state == "ready"
    )
    handler = load_actor(ctx, "dh-cg")
    with pytest.raises(FieldErrors) as err:  # the form and the files are checked together
        cases.complete(ctx, handler, handle.task.id, {}, photos={"photos": [_upload(data=b"x")]})
    assert set(err.value.fields) == {"result", "photos"}
    with pytest.raises(FieldErrors) as err:  # a field that takes no files
        cases.complete(
            ctx, handler, handle.task.id, {"result": "已清理"}, photos={"result": [_upload()]}
        )
    assert set(err.value.fields) == {"result"}
    assert not folder.exists() or not any(folder.iterdir())

    detail = cases.complete(
        ctx, handler, handle.task.id, {"result": "已清理"}, photos={"photos": [_upload("后.png")]}
    )
    (photo,) = detail.attachments
    assert photo.task_id == handle.task.id and photo.file_name == "后.png"
    done = next(t for t in detail.tasks if t.task.id == handle.task.id)
    completed = next(
        e for e in detail.history if e.action == "completed" and e.task_id == done.task.id
    )
    assert completed.payload["photos"] == [str(photo.id)]


def test_a_photo_gets_a_small_copy_for_lists(ctx_with_uploads) -> None:
    """Thumbnails are made on the server at upload: a list of nine phone photos loads
    small JPEGs, the viewer the full picture; a refused report leaves neither behind."""
    ctx, folder = ctx_with_uploads
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), (30, 120, 60)).save(big, "JPEG")
    gw01 = load_actor(ctx, "gw01")
    detail = cases.report_case(
        ctx,
        gw01,
        cases.NewCase("02", "占道", grid=GRID1),
        [_upload("big.jpg", "image/jpeg", big.getvalue()), _upload("doc.png")],
    )
    photo, _png = detail.attachments
    _row, thumb = attachments.open_file(ctx, gw01, photo.id, thumbnail=True)
    with Image.open(thumb) as image:
        assert image.format == "JPEG" and max(image.size) == 480
    _row, full = attachments.open_file(ctx, gw01, photo.id)
    with Image.open(full) as image:
        assert image.size == (4000, 3000)
    assert sorted(p.name.endswith(".thumb.jpg") for p in folder.iterdir()) == [
        False,
        False,
        True,
        True,
    ]

    kept = set(folder.iterdir())
    with pytest.raises(FieldErrors):
        cases.report_case(
            ctx,
            gw01,
            cases.NewCase("02", "", grid=GRID1),
            [_upload("c.jpg", "image/jpeg", big.getvalue())],
        )
    assert set(folder.iterdir()) == kept
