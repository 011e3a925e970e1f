"""Every word the screens show or speak comes from the one catalogue (assets/texts.toml via assets.texts.t):
a Chinese literal in screens/*.py or *.kv outside it fails here. Comments and docstrings may quote Chinese."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from assets import texts

SCREENS = Path(__file__).resolve().parent.parent / "screens"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
            and HAN.search(node.value)]


def kv_literals(source: str, name: str = "<source>") -> list[str]:
    """'file:line: line' for each kv line with Chinese in it that is not a comment."""
    return [f"{name}:{n}: {line.strip()}" for n, line in enumerate(source.splitlines(), 1)
            if HAN.search(line) and not line.lstrip().startswith("#")]


def test_the_checker_finds_literals_and_lets_comments_and_docstrings_be():
    py = '"""说明"""\nx = "我要求助"  # 注释\ny = f"{x}室"\ndef f():\n    """文档"""\n    return t("home.help")\n'
    assert [x.split(": ", 1)[1] for x in python_literals(py)] == ["'我要求助'", "'室'"]
    kv = '# 注释\n<Home>:\n    # 跳过\n    text: "上一页"\n    text: t("common.prev_page")\n'
    assert kv_literals(kv) == ['<source>:4: text: "上一页"']


def test_no_chinese_literal_in_screens_outside_the_catalogue():
    found = []
    for path in sorted(SCREENS.glob("*.py")):
        found += python_literals(path.read_text(encoding="utf-8"), path.name)
    for path in sorted(SCREENS.glob("*.kv")):
        found += kv_literals(path.read_text(encoding="utf-8"), path.name)
    assert not found, "move these into assets/texts.toml and look them up with t():\n" + "\n".join(found)


def test_every_lookup_in_the_screens_names_a_catalogue_entry():
    """t("...") and app.t("...") with a whole literal key, in Python and kv: a typo fails here, not on the kiosk."""
    keys = set()
    for path in sorted(SCREENS.glob("*.py")) + sorted(SCREENS.glob("*.kv")):
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_0-9]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert len(keys) > 100
    assert sorted(keys - set(texts.TEXTS)) == []
