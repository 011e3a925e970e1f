"""The real `community-server serve` (waitress) on a loopback port."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.sync.realserver import running


@pytest.fixture
def server(tmp_path):
    with running(tmp_path / "srv", kiosk=False, log_level="INFO") as srv:   # INFO: the log file gets lines
        yield srv.url, srv.data


def test_health_and_login_page(server):
    url, data = server
    r = requests.get(url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json()["database"] == "ok"
    assert r.headers["Server"] == "community-server"   # waitress, not runserver
    page = requests.get(url + "/", timeout=5)
    assert page.url.endswith("/login/?next=/")
    assert "干部登录" in page.text and "csrfmiddlewaretoken" in page.text
    css = requests.get(url + "/static/core/site.css", timeout=5)
    assert css.status_code == 200 and "font" in css.text
    assert (data / "logs" / "community-server.log").read_text(encoding="utf-8").strip()
    assert (data / "community.sqlite3").exists()
    assert oct((data / "secret_key").stat().st_mode)[-3:] == "600"


def test_cli_commands_on_an_empty_database(tmp_path):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "server.cli", *a], env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    r = run("add-kiosk", "--post", "NOPE", "--json")
    assert r.returncode == 1 and r.stderr.strip().startswith("community-server: error: no post with code 'NOPE'")
    assert run("add-post", "--code", "WJZ1", "--name", "王家庄").returncode == 0
    import json
    tok = json.loads(run("add-kiosk", "--post", "WJZ1", "--json").stdout)["token"]
    assert tok.startswith("k_") and len(tok) > 40
    assert json.loads(run("requests", "--json").stdout) == []


def test_demo_is_idempotent(tmp_path):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path / "srv")}
    cmd = [sys.executable, "-m", "server.cli", "demo", "--kiosk-config", str(tmp_path / "k.toml"),
           "--kiosk-data", str(tmp_path / "kd")]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert "密码" in first.stdout and "已创建" in first.stdout
    assert "已存在" in second.stdout
    token1 = (tmp_path / "k.toml").read_text()
    from kiosk import config
    cfg = config.load(tmp_path / "k.toml")
    assert cfg["server"]["token"] and cfg["server"]["token"] in token1
    # the kiosk token survives the second run: no duplicate kiosks
    os.environ["COMMUNITY_DATA_DIR"] = str(tmp_path / "srv")
    r = subprocess.run([sys.executable, "-c", "from server.cli import setup_django; setup_django();"
                        "from server.core.models import Kiosk, Post; print(Kiosk.objects.count(), Post.objects.count())"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["1", "1"]
