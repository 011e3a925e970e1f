"""Every word the kiosk shows, speaks, prints for a cadre or returns to a kiosk comes from the one catalogue
(assets/texts.toml via assets.texts.t): a Chinese literal in screens/ (.py and .kv), kiosk/, voice/ or sync/
outside it fails here. Comments and docstrings may quote Chinese; matcher data is allowed below, with a reason."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from assets import texts

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "screens"
# sync/ holds the protocol (its state words reach residents through kiosks) and the kiosk's outbox and client.
CHECKED = ("screens", "kiosk", "voice", "sync")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RANGE = "\u4e00-\u9fff"   # a regex character class "any Han character" is not a text
# Not user text: words the voice matcher looks for, never shown or said.
MATCHER_DATA = {
    "voice/intents.py": "particles and linking words the matcher skips or reads through (LIGHT, _LINKS)",
    "voice/lexicon.py": "word lists the matcher expands requests with",
    "voice/scrub.py": "surnames, titles and number words the scrubber finds and removes before sharing",
}
# One literal, not a whole file: (file, literal) -> why it is not user text.
NOT_TEXT = {
    ("sync/lessons.py", 'must be a table like {kind = "button", text = "确定"}'):
        "an English message to lesson authors that quotes the TOML a sketch element is written in",
    ("kiosk/cmd_sync.py", "find requests by the phone's last four digits and the door (查进度 without the code)"):
        "English --help of the kiosk command, naming the screen it does the work of",
    ("kiosk/cmd_sync.py", "building, e.g. 3 or 3号楼"): "English --help, quoting what may be typed",
    ("kiosk/cmd_sync.py", "unit, e.g. 2 or 2单元"): "English --help, quoting what may be typed",
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def python_literals(source: str, name: str = "<source>") -> list[str]:
    """'file:line: text' for each string literal (f-string parts included) with Chinese in it."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return [f"{name}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            and HAN.search(node.value.replace(HAN_RANGE, "")) and (name, node.value) not in NOT_TEXT]


def kv_literals(source: str, name: str = "<source>") -> list[str]:
    """'file:line: line' for each kv line with Chinese in it that is not a comment."""
    return [f"{name}:{n}: {line.strip()}" for n, line in enumerate(source.splitlines(), 1)
            if HAN.search(line) and not line.lstrip().startswith("#")]


def test_the_checker_finds_literals_and_lets_comments_and_docstrings_be():
    py = '"""说明"""\nx = "我要求助"  # 注释\ny = f"{x}室"\ndef f():\n    """文档"""\n    return t("home.help")\n'
    assert [x.split(": ", 1)[1] for x in python_literals(py)] == ["'我要求助'", "'室'"]
    kv = '# 注释\n<Home>:\n    # 跳过\n    text: "上一页"\n    text: t("common.prev_page")\n'
    assert kv_literals(kv) == ['<source>:4: text: "上一页"']


def test_the_checker_lets_regex_ranges_and_allowed_literals_be():
    py = 'HAN = "[\\u4e00-\\u9fff]"\nx = "[一-龥]"\n'
    assert [x.split(": ", 1)[1] for x in python_literals(py)] == ["'[一-龥]'"]
    name, literal = next(iter(NOT_TEXT))
    assert python_literals(f"x = {literal!r}\n", name) == []
    assert python_literals(f"x = {literal!r}\n", "sync/other.py") != []


def test_no_chinese_literal_outside_the_catalogue():
    assert all((ROOT / f).is_file() for f in MATCHER_DATA) and all((ROOT / f).is_file() for f, _ in NOT_TEXT)
    found = []
    for package in CHECKED:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name not in MATCHER_DATA:
                found += python_literals(path.read_text(encoding="utf-8"), name)
    for path in sorted(SCREENS.glob("*.kv")):
        found += kv_literals(path.read_text(encoding="utf-8"), path.name)
    assert not found, "move these into assets/texts.toml and look them up with t():\n" + "\n".join(found)


def test_every_lookup_names_a_catalogue_entry():
    """t("...") and app.t("...") with a whole literal key, in Python and kv: a typo fails here, not on the kiosk."""
    keys = set()
    for path in [p for package in CHECKED for p in sorted((ROOT / package).rglob("*.py"))] + sorted(SCREENS.glob("*.kv")):
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_0-9]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert len(keys) > 100
    assert sorted(keys - set(texts.TEXTS)) == []
