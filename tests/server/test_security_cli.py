"""Issue 11.6 and 11.5 (CLI): one post-code rule for the server and the kiosk; renaming a post is explicit;
add-user follows the web's password rule and never echoes a typed password; teachers are granted posts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk import config as kconfig


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path / "srv")}
    env.pop("DATABASE_URL", None)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120)
    return run


def _kiosk_accepts(tmp_path, code: str) -> bool:
    path = tmp_path / f"k-{len(code)}-{abs(hash(code))}.toml"
    path.write_text(f'[post]\ncode = "{code}"\nname = "x"\n', encoding="utf-8")
    try:
        kconfig.load(path)
    except kconfig.ConfigError:
        return False
    return True


def test_add_post_accepts_exactly_the_codes_the_kiosk_accepts_and_renames_only_when_asked(cli, tmp_path):
    for code in ("WJZ1", "wjz9", "WJZ12345", "A", "ABCDE", "WJ-1", "XY999"):
        r = cli("add-post", "--code", code, "--name", "阵地")
        assert (r.returncode == 0) == _kiosk_accepts(tmp_path, code), (code, r.stderr)
        if r.returncode:
            assert "capital letters" in r.stderr and r.stderr.count("\n") == 1
    r = cli("add-post", "--code", "WJZ1", "--name", "别的名字")
    assert r.returncode == 1 and "--rename" in r.stderr
    assert cli("add-post", "--code", "WJZ1", "--name", "阵地", "--json").returncode == 0     # same again: fine
    r = cli("add-post", "--code", "WJZ1", "--name", "新名字", "--rename", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["name"] == "新名字"


def test_add_user_refuses_a_weak_password_and_never_echoes_a_typed_one(cli):
    r = cli("add-user", "--username", "zhang", "--password", "a", "--json")
    assert r.returncode == 1 and "password refused" in r.stderr and r.stderr.count("\n") == 1
    assert cli("add-user", "--username", "zhang", "--password", "a-good-pass-9", "--json").returncode == 0
    r = cli("add-user", "--username", "li", "--password", "a-good-pass-9", "--json")
    assert "a-good-pass-9" not in r.stdout and "password" not in json.loads(r.stdout)
    made = json.loads(cli("add-user", "--username", "wang", "--json").stdout)
    assert len(made["password"]) >= 12                  # generated: printed this once


def test_grant_teacher_needs_posts_and_lists_them(cli):
    cli("add-post", "--code", "WJZ1", "--name", "一号")
    cli("add-post", "--code", "WJZ2", "--name", "二号")
    cli("add-user", "--username", "laoshi", "--json")
    r = cli("grant", "--username", "laoshi", "--role", "teacher")
    assert r.returncode == 1 and "--post" in r.stderr
    out = json.loads(cli("grant", "--username", "laoshi", "--role", "teacher", "--post", "WJZ1", "--post", "WJZ2",
                         "--json").stdout)
    assert out["posts"] == ["WJZ1", "WJZ2"]
    out = json.loads(cli("grant", "--username", "laoshi", "--role", "teacher", "--post", "WJZ2", "--revoke",
                         "--json").stdout)
    assert out["posts"] == ["WJZ1"]
