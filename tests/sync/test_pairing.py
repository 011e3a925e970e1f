"""Pairing without a keyboard against the real `community-server serve`: `add-kiosk --pairing` prints a 6-digit
code; the kiosk trades it once for its token and the public address for QR links; a used, wrong or expired
code gets nothing; attempts are rate-limited (issue 13.8, 13.9)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from sync.client import TransportError, pair
from tests.sync.realserver import RealServer, running


def test_pairing_code_gives_the_token_once(tmp_path):
    with running(tmp_path / "srv") as srv:
        out = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "大厅", "--pairing")
        code = out["pairing_code"]
        assert len(code) == 6 and code.isdigit() and "token" not in out
        got = pair(srv.url, code)
        assert got["kiosk"] == "大厅" and got["post"] == "WJZ1" and got["public_url"] == srv.url
        # the token works for the kiosk API
        r = requests.post(srv.url + "/api/v1/kiosk/heartbeat", json={"protocol": 1, "version": "t"},
                          headers={"Authorization": f"Bearer {got['token']}"}, timeout=10)
        assert r.status_code == 200
        with pytest.raises(TransportError, match="配对码不对或已过期"):
            pair(srv.url, code)                                   # used once
        stored = list((tmp_path / "srv" / "pairing").glob("*.json"))
        assert stored == [] and code not in json.dumps([p.name for p in stored])


def test_public_address_setting_is_sent_and_attempts_are_limited(tmp_path):
    srv = RealServer(tmp_path / "srv")
    srv.env["COMMUNITY_PUBLIC_URL"] = "http://192.168.1.20:8700"
    srv.start()
    try:
        srv.setup_post_and_kiosk()
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--pairing")["pairing_code"]
        assert pair(srv.url, code)["public_url"] == "http://192.168.1.20:8700"
        codes = [requests.post(srv.url + "/api/v1/pair", json={"protocol": 1, "code": f"{i:06d}"}, timeout=10)
                 .status_code for i in range(8)]
        assert codes[0] == 404 and 429 in codes
    finally:
        srv.stop()


def test_an_expired_code_gets_nothing(tmp_path, monkeypatch):
    with running(tmp_path / "srv") as srv:
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--pairing")["pairing_code"]
        (f,) = (tmp_path / "srv" / "pairing").glob("*.json")
        data = json.loads(f.read_text())
        data["expires"] = time.time() - 1                         # 15 minutes later
        f.write_text(json.dumps(data))
        with pytest.raises(TransportError):
            pair(srv.url, code)
