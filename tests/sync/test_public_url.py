"""The server's public address reaches kiosks paired before it was set (issue 13.9): every heartbeat answer carries
COMMUNITY_PUBLIC_URL (sync/protocol.py HEARTBEAT_ANSWER_FIELDS) and the kiosk keeps it in its config, so the next
slip's QR opens on a family member's phone. Against the real `community-server serve` and the real `kiosk` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk import config as kconfig
from sync import protocol
from sync.client import pair
from tests.sync.realserver import RealServer

LAN = "http://192.168.1.20:8700"   # written into links only; nothing is sent there


def _kiosk(cfg, *args):
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), *args], capture_output=True,
                       text=True, timeout=120, env=os.environ)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _slip_qr(cfg, device) -> tuple[str, bytes]:
    out = json.loads(_kiosk(cfg, "submit", "--category", "gas_recharge", "--room", "502", "--json"))
    assert out["printed"] is True
    return out["receipt"], device.read_bytes()


def test_a_kiosk_paired_without_a_public_address_learns_it_at_the_next_sync(tmp_path):
    srv = RealServer(tmp_path / "srv")
    srv.start()
    try:
        srv.cli("add-post", "--code", "WJZ1", "--name", "王家庄")
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--pairing")["pairing_code"]
        got = pair(srv.url, code)
        assert got["public_url"] == srv.url                 # no COMMUNITY_PUBLIC_URL yet: the loopback address
        cfg, device = tmp_path / "kiosk.toml", tmp_path / "lp0"
        kconfig.write_config(cfg, {"server": {"url": srv.url, "token": got["token"], "public_url": got["public_url"]},
                                   "kiosk": {"data_dir": str(tmp_path / "data")}, "printer": {"device": str(device)}})
        receipt, slip = _slip_qr(cfg, device)
        assert f"{srv.url}/r/{receipt}".encode() in slip    # the QR of a slip printed now: opens on no phone

        srv.stop()                                          # the cadre sets the address and restarts the server
        srv.env["COMMUNITY_PUBLIC_URL"] = LAN
        srv.start()
        out = json.loads(_kiosk(cfg, "sync", "--once", "--json"))
        assert out["error"] == "" and out["sent"] == 1
        assert kconfig.load(cfg)["server"]["public_url"] == LAN
        device.unlink()
        receipt, slip = _slip_qr(cfg, device)
        assert f"{LAN}/r/{receipt}".encode() in slip and srv.url.encode() not in slip
    finally:
        srv.stop()


def test_the_kiosk_app_keeps_it_in_memory_for_the_next_screen_and_in_its_file(tmp_path):
    """The App's sync worker is built by kiosk/wiring.py with the same keep_public_url: the running kiosk's config
    changes at once (receipt screen, lessons), the file for the next start."""
    from kiosk.submit import status_url
    from sync.client import from_config
    from sync.outbox import Outbox

    srv = RealServer(tmp_path / "srv")
    srv.env["COMMUNITY_PUBLIC_URL"] = LAN
    srv.start()
    try:
        token = srv.setup_post_and_kiosk()
        path = tmp_path / "kiosk.toml"
        kconfig.write_config(path, {"server": {"url": srv.url, "token": token}})
        cfg = kconfig.load(path)
        assert cfg.public_url == srv.url
        client = from_config(cfg, Outbox(tmp_path / "o.sqlite3", "WJZ1"),
                             on_public_url=lambda url: kconfig.keep_public_url(cfg, url))
        assert client.run_once()["error"] == ""
        assert status_url(cfg, "WJZ1-0001") == f"{LAN}/r/WJZ1-0001"
        assert kconfig.load(path)["server"]["public_url"] == LAN
    finally:
        srv.stop()


@pytest.mark.parametrize("answer, kept", [
    ({"ok": True, "public_url": ""}, True),                                  # not set on the server: keep own
    ({"ok": True}, True),                                                    # a server from before this field
    ({"ok": True, "public_url": "192.168.1.20:8700"}, False),                # no scheme: refused
    ({"ok": True, "public_url": "http://a b/"}, False),
    ({"ok": True, "public_url": "javascript:alert(1)"}, False),
    ({"ok": True, "public_url": "http://x/" + "a" * 300}, False),
])
def test_the_heartbeat_answer_is_checked_by_the_protocols_schema(answer, kept):
    assert (protocol.validate_heartbeat_answer({"protocol": 1, "server_time": "", **answer}) == {}) is kept


def test_a_bad_public_address_stops_the_server_at_start_with_one_line(tmp_path):
    srv = RealServer(tmp_path / "srv")
    srv.env["COMMUNITY_PUBLIC_URL"] = "192.168.1.20:8700"
    r = srv.cli("kiosks", check=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "COMMUNITY_PUBLIC_URL" in r.stderr, r.stderr
