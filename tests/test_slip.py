"""The printed slip (kiosk/printer.py): python-escpos writing real bytes to a file device, from `kiosk submit`
(a subprocess, as a cadre runs it) and from the one submit path; a printer that is not there never loses a
request and says so in its health (admin screen, heartbeat)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from assets.texts import t
from kiosk import config as kconfig
from kiosk.printer import SlipPrinter
from kiosk.submit import submit_request
from kiosk.wiring import build_printer
from sync.catalog import default_catalog
from sync.client import outbox_path
from sync.outbox import Outbox


def _config(tmp_path, device: str):
    text = (f'[server]\nurl = "http://127.0.0.1:9"\npublic_url = "http://192.168.1.20:8700"\n'
            f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n[post]\nphone = "0931-8881234"\n'
            f'[printer]\ndevice = "{device}"\n')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _kiosk(cfg, *args):
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r


def test_kiosk_submit_prints_the_slip_to_a_file_device(tmp_path):
    device = tmp_path / "lp0"
    cfg = _config(tmp_path, str(device))
    out = json.loads(_kiosk(cfg, "submit", "--category", "gas_recharge", "--room", "502", "--json").stdout)
    assert out["printed"] is True
    data = device.read_bytes()
    assert data.startswith(b"\x1b@")                                   # ESC @: initialise
    digits = out["receipt"][-4:].encode()
    at = data.find(digits + b"\n")
    before = data[:at]
    assert at > 0 and before[before.rfind(b"\x1d!"):][:3] == b"\x1d!\x77"   # GS ! 0x77: the digits 8x wide, 8x tall
    assert default_catalog().get("gas_recharge").label.encode("gb18030") in data
    assert b"0931-8881234" in data                             # the post's phone number
    qr = f"http://192.168.1.20:8700/r/{out['receipt']}?u={out['uuid']}".encode()
    assert b"\x1d(k" in data and qr in data                            # the status QR, drawn by the printer
    assert b"\x1dV" in data[-6:]                                       # GS V: cut
    # the request itself was queued whatever the printer did
    status = json.loads(_kiosk(cfg, "status", out["receipt"], "--json").stdout)
    assert status["category"] == "gas_recharge"


def test_a_missing_printer_never_loses_the_request_and_reports_offline(tmp_path):
    cfg = kconfig.load(_config(tmp_path, str(tmp_path / "no-such-dir" / "lp0")))
    from types import SimpleNamespace

    services = SimpleNamespace(config=cfg, catalog=default_catalog(), sync=None, printer=build_printer(cfg),
                               outbox=Outbox(outbox_path(cfg), cfg["post"]["code"]))
    out = submit_request(services, category="shopping", room="301")
    assert out["printed"] is False
    assert services.outbox.status(out["receipt"])["category"] == "shopping"
    assert services.printer.health == t("printer.offline")
    # the admin screen's and the heartbeat's sentence is Chinese, with no device path in it
    assert "no-such-dir" not in services.printer.health


def test_background_printing_from_the_touch_and_voice_flows(tmp_path):
    device = tmp_path / "lp0"
    cfg = kconfig.load(_config(tmp_path, str(device)))
    from types import SimpleNamespace

    services = SimpleNamespace(config=cfg, catalog=default_catalog(), sync=None, printer=SlipPrinter(str(device)),
                               outbox=Outbox(outbox_path(cfg), cfg["post"]["code"]))
    out = submit_request(services, category="home_repair", phone="13900001111", channel="voice", wait_print=False)
    assert out["printed"] is None
    import threading

    for th in threading.enumerate():
        if th.name == "slip-printer":
            th.join(30)
    assert device.read_bytes().startswith(b"\x1b@") and out["receipt"][-4:].encode() in device.read_bytes()
    assert services.printer.health == "ok"


def test_without_a_printer_nothing_is_printed_and_no_slip_is_promised(tmp_path):
    cfg = kconfig.load(_config(tmp_path, ""))
    assert build_printer(cfg) is None
    assert "回执单" not in t("receipt.hint") and "回执单" not in t("status.not_found")
