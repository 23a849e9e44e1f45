"""Photos and files: type checked by content, size and count limits, stored under the
configured directory, readable only by those who may see the case."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.app_fixtures import make_context
from workflows import attachments, cases
from workflows.attachments import MAX_BYTES, MAX_FILES, Upload
from workflows.auth import load_actor
from workflows.errors import FieldErrors, ForbiddenError

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _upload(name: str = "a.png", kind: str = "image/png", data: bytes = PNG) -> Upload:
    return Upload(name, kind, io.BytesIO(data))


@pytest.fixture
def ctx_with_uploads(backend_url: str, tmp_path: Path):
    context = make_context(backend_url, upload_dir=tmp_path / "files")
    yield context, tmp_path / "files"
    context.close()


def test_limits_storage_and_who_may_read(ctx_with_uploads) -> None:
    ctx, folder = ctx_with_uploads
    gw01 = load_actor(ctx, "gw01")
    with pytest.raises(FieldErrors) as err:
        attachments.store(ctx, gw01, [_upload("x.png", "image/png", b"GIF89a...")])
    assert "photos" in err.value.fields  # a PNG by name, not by content
    with pytest.raises(FieldErrors):
        attachments.store(ctx, gw01, [_upload("x.exe", "application/x-msdownload", b"MZ")])
    with pytest.raises(FieldErrors):
        attachments.store(ctx, gw01, [_upload(data=PNG + b"\0" * MAX_BYTES)])
    with pytest.raises(FieldErrors):
        attachments.store(ctx, gw01, [_upload() for _ in range(MAX_FILES + 1)])
    assert not folder.exists() or not any(folder.iterdir())  # nothing kept from refusals

    ids = attachments.store(ctx, gw01, [_upload("现场.png")])
    number = cases.report_case(
        ctx, gw01, cases.NewCase("02", "占道", grid="339901001001001", photos=[str(i) for i in ids])
    ).case.number
    attachments.attach(ctx, gw01, number, ids)

    row, path = attachments.open_file(ctx, load_actor(ctx, "cd01"), ids[0])  # its community
    assert path.parent == folder and path.read_bytes() == PNG and row.file_name == "现场.png"
    with pytest.raises(ForbiddenError):
        attachments.open_file(ctx, load_actor(ctx, "gw04"), ids[0])  # another community's grid
    detail = cases.get_case(ctx, gw01, number)
    assert [a.id for a in detail.attachments] == ids
