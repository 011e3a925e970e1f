"""The server part must not import the kiosk part: on a server host the kiosk's libraries are not installed
(pyproject.toml's extras), and a module of `kiosk/` importing fine there would only hide the coupling."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIOSK_SIDE = {"kiosk", "screens", "voice", "kivy", "vosk", "sounddevice", "numpy", "pyttsx3", "pypinyin", "qrcode"}


def imported_top_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_server_and_the_shared_sync_package_import_nothing_of_the_kiosk():
    modules = [p for d in ("server", "assets") for p in (ROOT / d).rglob("*.py")]
    # sync/ is shared; its kiosk-only modules (outbox, clients) may use requests, never the kiosk's app or voice.
    modules += list((ROOT / "sync").rglob("*.py"))
    bad = {str(p.relative_to(ROOT)): sorted(imported_top_names(p) & KIOSK_SIDE) for p in modules}
    assert not {k: v for k, v in bad.items() if v}
