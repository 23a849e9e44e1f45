"""Real images for upload tests (an upload must decode as the type it claims)."""

from __future__ import annotations

import io

from PIL import Image


def png(width: int = 2, height: int = 2, color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A phone's photo: its EXIF names the camera and where it was taken."""
    image = Image.new("RGB", (8, 6), (90, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 17.0, 24.0)  # latitude
    gps[3], gps[4] = "E", (120.0, 9.0, 36.0)  # longitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
