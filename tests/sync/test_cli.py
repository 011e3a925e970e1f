"""`kiosk submit | sync | queue | status` as installers and cadres run them (subprocesses, real files,
the real `community-server serve` on a loopback port)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.sync.realserver import running


def kiosk(cfg, *args, check=True):
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def write_config(path, data_dir, url="http://127.0.0.1:9", token=""):
    path.write_text(f'[server]\nurl = "{url}"\ntoken = "{token}"\n[kiosk]\ndata_dir = "{data_dir}"\n',
                    encoding="utf-8")
    return path


def one_error_line(r):
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kiosk: error: "), r.stderr
    return lines[0]


def test_submit_queue_status_offline(tmp_path):
    cfg = write_config(tmp_path / "k.toml", tmp_path / "data")
    out = json.loads(kiosk(cfg, "submit", "--category", "gas_recharge", "--name", "张奶奶", "--building", "3号楼",
                           "--room", "301", "--json").stdout)
    assert set(out) == {"uuid", "receipt"} and out["receipt"].startswith("WJZ1-")
    q = json.loads(kiosk(cfg, "queue", "--json").stdout)
    assert q["pending"] == 1 and q["rejected"] == 0 and q["items"][0]["uuid"] == out["uuid"]
    assert "张奶奶" not in json.dumps(q, ensure_ascii=False)        # the queue listing shows no personal data
    st = json.loads(kiosk(cfg, "status", out["receipt"][-4:], "--json").stdout)   # the 4 digits a resident says
    assert st["receipt"] == out["receipt"] and st["state"] == "queued" and st["category"] == "gas_recharge"
    assert "等待发送" in kiosk(cfg, "status", out["receipt"]).stdout


def test_cli_errors_are_one_clear_line(tmp_path):
    cfg = write_config(tmp_path / "k.toml", tmp_path / "data")
    assert "没有这一类服务" in one_error_line(kiosk(cfg, "submit", "--category", "unicorns", "--room", "1", check=False))
    assert "找到您" in one_error_line(kiosk(cfg, "submit", "--category", "shopping", check=False))
    assert "电话" in one_error_line(kiosk(cfg, "submit", "--category", "shopping", "--phone", "x" * 30, check=False))
    assert "没有找到回执号" in one_error_line(kiosk(cfg, "status", "0000", check=False))
    r = kiosk(cfg, "sync", "--once", "--json", check=False)
    assert "配对" in one_error_line(r) and json.loads(r.stdout)["pending"] == 0
    assert json.loads(kiosk(cfg, "queue", "--json").stdout)["pending"] == 0   # nothing was queued by the errors
    for cmd in ("submit", "sync", "queue", "status"):
        assert kiosk(cfg, cmd, "--help").stdout.strip()


@pytest.fixture
def server(tmp_path):
    with running(tmp_path / "srv") as srv:
        yield srv.url, srv.token, lambda *a: srv.cli(*a).stdout


def test_sync_once_against_the_real_server(tmp_path, server):
    url, token, run = server
    cfg = write_config(tmp_path / "k.toml", tmp_path / "data", url, token)
    made = [json.loads(kiosk(cfg, "submit", "--category", c, "--room", "5-502", "--json").stdout)
            for c in ("gas_recharge", "shopping", "home_repair")]
    out = json.loads(kiosk(cfg, "sync", "--once", "--json").stdout)
    assert (out["sent"], out["duplicates"], out["rejected"], out["pending"], out["error"]) == (3, 0, 0, 0, "")
    again = json.loads(kiosk(cfg, "sync", "--once", "--json").stdout)
    assert (again["sent"], again["pending"]) == (0, 0)
    stored = json.loads(run("requests", "--json"))
    assert sorted(r["uuid"] for r in stored) == sorted(m["uuid"] for m in made)
    assert {r["receipt"] for r in stored} == {m["receipt"] for m in made}
    st = json.loads(kiosk(cfg, "status", made[0]["receipt"], "--json").stdout)
    assert st["state"] == "received" and st["state_label"] == "社区已收到"
    q = json.loads(kiosk(cfg, "queue", "--json").stdout)
    assert (q["pending"], q["sent"]) == (0, 3) and q["last_sync_at"]
    kiosks = json.loads(run("kiosks", "--json"))
    assert kiosks[0]["last_seen"] and kiosks[0]["queue_length"] == 0   # the heartbeat arrived


def test_unwritable_data_dir_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cfg = write_config(tmp_path / "k.toml", blocker / "data")
    assert "outbox" in one_error_line(kiosk(cfg, "queue", "--json", check=False))


def test_queue_lists_rejected_items_and_requeues_them(tmp_path):
    cfg = write_config(tmp_path / "k.toml", tmp_path / "data")
    made = json.loads(kiosk(cfg, "submit", "--category", "message", "--room", "1", "--json").stdout)
    from sync.outbox import Outbox
    box = Outbox(tmp_path / "data" / "outbox.sqlite3", "WJZ1")
    box.record_results([{"uuid": made["uuid"], "status": "rejected", "reason": "unknown category"}])
    box.close()
    q = json.loads(kiosk(cfg, "queue", "--json").stdout)
    assert (q["pending"], q["rejected"]) == (0, 1) and q["rejected_items"][0]["reason"] == "unknown category"
    assert "unknown category" in kiosk(cfg, "queue").stdout
    q = json.loads(kiosk(cfg, "queue", "--retry-rejected", "--json").stdout)
    assert (q["pending"], q["rejected"], q["requeued"]) == (1, 0, 1)
