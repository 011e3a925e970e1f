"""/healthz and `community-server check` on a real serving server: database, disk, the longest-silent kiosk."""

from __future__ import annotations

import json
import shutil

import requests

from sync.client import SyncClient
from tests.sync.realserver import running
from tests.sync.test_e2e import kiosk_services


def test_health_reports_database_disk_and_oldest_heartbeat(tmp_path):
    with running(tmp_path / "srv") as srv:
        r = requests.get(srv.url + "/healthz", timeout=10)
        h = r.json()
        assert r.status_code == 200 and h["database"] == "ok"
        free = shutil.disk_usage(tmp_path).free
        assert abs(h["disk"]["free_bytes"] - free) < 512 * 2**20   # the same file system, measured moments apart
        assert h["oldest_heartbeat"]["age_s"] is None and h["oldest_heartbeat"]["kiosk"]
        assert h["status"] == "warning" and any("从未联系" in p for p in h["problems"])
        cli = srv.cli("check", check=False)
        assert cli.returncode == 1 and "从未联系" in cli.stdout and "数据库：正常" in cli.stdout

        kiosk = kiosk_services(tmp_path, srv.url, srv.token)
        SyncClient(kiosk.outbox, srv.url, srv.token, timeout=10).heartbeat()
        h = requests.get(srv.url + "/healthz", timeout=10).json()
        assert h["oldest_heartbeat"]["age_s"] is not None and h["oldest_heartbeat"]["age_s"] < 3600
        assert not any("终端" in p for p in h["problems"])
        check = srv.cli("check", "--json", check=False)
        data = json.loads(check.stdout)
        assert data["oldest_heartbeat"]["kiosk"] == h["oldest_heartbeat"]["kiosk"]
        assert check.returncode == {"ok": 0, "warning": 1}[data["status"]]   # a full test disk may warn

        # a second kiosk that never called: it is now the oldest
        second = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "WJZ1-2")
        h = requests.get(srv.url + "/healthz", timeout=10).json()
        assert h["oldest_heartbeat"]["kiosk"] == second["kiosk"] and h["oldest_heartbeat"]["age_s"] is None
        srv.cli("revoke-kiosk", "--name", "WJZ1-2")   # a revoked (stolen) kiosk no longer counts
        h = requests.get(srv.url + "/healthz", timeout=10).json()
        assert h["oldest_heartbeat"]["kiosk"] != "WJZ1-2"
