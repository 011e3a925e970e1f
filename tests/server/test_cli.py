"""`community-server` kiosk commands as installers run them: subprocesses on a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120)
    return run


def test_kiosk_lifecycle_and_errors_are_one_line(cli):
    assert cli("add-post", "--code", "WJZ1", "--name", "王家庄", "--json").returncode == 0
    made = json.loads(cli("add-kiosk", "--post", "WJZ1", "--name", "一号机", "--json").stdout)
    assert made["token"].startswith("k_") and made["kiosk"] == "一号机"
    rows = json.loads(cli("kiosks", "--json").stdout)
    assert [(r["kiosk"], r["post"], r["revoked"], r["last_seen"]) for r in rows] == [("一号机", "WJZ1", False, None)]
    assert made["token"] not in cli("kiosks", "--json").stdout          # the token is shown once only
    out = json.loads(cli("revoke-kiosk", "--name", "一号机", "--json").stdout)
    assert out["kiosk"] == "一号机" and out["revoked_at"]
    assert json.loads(cli("kiosks", "--json").stdout)[0]["revoked"] is True
    for args, words in ((("revoke-kiosk", "--name", "没有"), "no kiosk named"),
                        (("requests", "--post", "NOPE", "--json"), "no post with code"),
                        (("add-kiosk", "--post", "NOPE"), "no post with code")):
        r = cli(*args)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and words in r.stderr, (args, r.stderr)
    cli("add-kiosk", "--post", "WJZ1", "--name", "二号机")
    r = cli("add-kiosk", "--post", "WJZ1", "--name", "二号机")       # names are unique per post (issue 11.4)
    assert r.returncode == 1 and "already has a kiosk named" in r.stderr
    assert json.loads(cli("requests", "--post", "WJZ1", "--json").stdout) == []
    for cmd in ("serve", "add-post", "add-kiosk", "revoke-kiosk", "kiosks", "requests"):
        assert cli(cmd, "--help").returncode == 0
    assert "uuid, receipt" in cli("requests", "--help").stdout
