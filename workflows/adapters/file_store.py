"""Uploaded files on disk, under one absolute folder, by names nobody can guess."""

from __future__ import annotations

import secrets
from pathlib import Path


class FileStore:
    """Keeps file bodies; the database keeps what they are and whom they belong to."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def save(self, data: bytes, suffix: str) -> str:
        """Write a new file; returns the name it is stored under."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(16) + suffix
        (self.root / name).write_bytes(data)
        return name

    def save_as(self, name: str, data: bytes) -> None:
        """Write a file beside another under a name derived from it (a thumbnail)."""
        (self.root / name).write_bytes(data)

    def delete(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)

    def path(self, name: str) -> Path:
        return self.root / name
