"""Every message the pages show has its Chinese translation, compiled."""

from __future__ import annotations

import gettext
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "web" / "translations" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated_and_compiled(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot.open("rb")) if m.id}
    po = read_po((CATALOGUE / "messages.po").open("rb"))
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in po
        if m.id and (m.string if isinstance(m.string, str) else m.string[0])
    }
    assert sorted(wanted - translated) == []  # run `make translations` and translate these
    compiled = gettext.GNUTranslations((CATALOGUE / "messages.mo").open("rb"))
    stale = [m for m in wanted if compiled.gettext(m) == m]
    assert stale == []  # the .mo is older than the .po: `make translations`
