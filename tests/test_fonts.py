from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.fonts import FontError, resolve_font, resolve_symbol_font


def test_a_simplified_chinese_font_is_found():
    path = resolve_font()
    assert path.is_file()
    # face 0 must be Simplified Chinese: Noto CJK's face 0 is Japanese and must never be picked.
    assert "NotoSansCJK" not in path.name


def test_face_zero_draws_simplified_forms():
    out = subprocess.run(["fc-query", "--index=0", "--format=%{lang}", str(resolve_font())],
                         capture_output=True, text=True, check=True).stdout
    assert "zh-cn" in out.split("|")


def test_missing_font_names_the_package(tmp_path):
    with pytest.raises(FontError, match="fonts-wqy-microhei"):
        resolve_font(candidates=(str(tmp_path / "none.ttc"),))
    with pytest.raises(FontError, match="fonts-symbola"):
        resolve_symbol_font(candidates=(str(tmp_path / "none.ttf"),))
    with pytest.raises(FontError, match="kiosk.font"):
        resolve_font(str(tmp_path / "configured.ttf"))


def test_kiosk_run_exits_with_one_line_when_the_font_is_missing(tmp_path):
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[kiosk]\nfont = "{tmp_path / "gone.ttf"}"\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "run", "--windowed"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].startswith("kiosk: error: 字体文件不存在")
