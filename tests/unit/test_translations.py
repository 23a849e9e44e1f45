"""Every message the pages show has its Chinese translation, compiled."""

from __future__ import annotations

import ast
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
            "-k",
            "lazy_pgettext:1c,2",
            "-k",
            "Phrase",
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
    in_context = {(m.context, m.id) for m in read_po(pot.open("rb")) if m.id and m.context}
    stale = [m for m in wanted - {i for _c, i in in_context} if compiled.gettext(m) == m]
    stale += [i for c, i in in_context if compiled.pgettext(c, i) == i]
    assert stale == []  # the .mo is older than the .po: `make translations`


def _field_messages() -> list[tuple[str, ast.expr]]:
    """Every message the service layer puts under a form field: the items of lists given
    to ``FieldErrors({...})`` or assigned to ``errors[...]``."""
    found = []
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            lists: list[ast.List] = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FieldErrors":
                if node.args and isinstance(node.args[0], ast.Dict):
                    lists = [v for v in node.args[0].values if isinstance(v, ast.List)]
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.List)
                and any(isinstance(t, ast.Subscript) for t in node.targets)
            ):
                lists = [node.value]
            found += [(f"{path.name}:{item.lineno}", item) for lst in lists for item in lst.elts]
    return found


def test_every_field_message_of_the_service_layer_can_be_said_in_chinese() -> None:
    """A message under a form field is a Phrase, a plain sentence of the catalogue, or
    "<what>: <sentence of the catalogue>" (a file name, a unit's name before the colon);
    found in use: "unknown category ''" and "only a street blows the whistle…" in English
    on Chinese pages."""
    po = read_po((CATALOGUE / "messages.po").open("rb"))
    translated = {m.id for m in po if m.id and m.string and "fuzzy" not in m.flags}
    untranslatable = []
    for where, item in _field_messages():
        if isinstance(item, ast.Call) and getattr(item.func, "id", "") == "unknown_category":
            continue  # makes its Phrases itself
        if isinstance(item, ast.Call) and getattr(item.func, "id", "") == "Phrase":
            said = item.args[0].value if isinstance(item.args[0], ast.Constant) else None
        elif isinstance(item, ast.Constant):
            said = item.value
        elif isinstance(item, ast.JoinedStr) and isinstance(item.values[-1], ast.Constant):
            said = str(item.values[-1].value).removeprefix(": ")
        elif isinstance(item, ast.Name | ast.Starred):
            continue  # a Phrase made above it (checked where it is made); answers, not words
        else:
            said = None
        if said not in translated:
            untranslatable.append(f"{where} {ast.unparse(item)[:80]}")
    assert not untranslatable
