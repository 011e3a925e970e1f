from __future__ import annotations

import os
from datetime import datetime

import pytest

from kiosk import config as kconfig
from tests.conftest import free_port
from tests.kivy_harness import start_app
from voice.tts import RecordingSpeaker


@pytest.fixture(scope="session")
def kiosk_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("kiosk-ui")
    # Own config file (the admin screen writes to it) and an unused server port (the sync worker runs).
    # KIOSK_TEST_SCREEN=WIDTHxHEIGHT@INCHES runs the UI tests on another configured screen (e.g. 1920x1080@15.6).
    size, _, inches = os.environ.get("KIOSK_TEST_SCREEN", "1920x1080@21.5").partition("@")
    width, height = (int(x) for x in size.split("x"))
    screen = {"fullscreen": False, "width": width, "height": height, "diagonal_inches": float(inches)}
    cfg = kconfig.parse({"kiosk": {"data_dir": str(data)}, "screen": screen,
                         "server": {"url": f"http://127.0.0.1:{free_port()}", "public_url": "http://192.168.1.20:8700",
                                    # 查找服务器 (mDNS) asks on loopback only: no test sends to the machine's LAN
                                    "discover_interfaces": ["127.0.0.1"]}},
                        "test config", data / "kiosk.toml")
    h = start_app(cfg, RecordingSpeaker())
    # The clock on home shows a fixed time: a minute turning between a screenshot and the audit's reading of
    # the label's text made the audit see '15:16' not drawn (the texture still said 15:15).
    fixed = datetime(2026, 11, 29, 9, 30, tzinfo=h.app.tz)
    h.app.now = lambda: fixed
    # The idle clock stands still unless a test moves it (monkeypatch app.monotonic, or check_idle(now=...)):
    # on a slow machine a long walk through screens would otherwise raise "您还在吗？" over whatever comes next.
    h.app.monotonic = lambda: 1000.0
    h.app.last_touch = 1000.0
    h.app._tick()
    h.app.build_all_screens()   # the App builds screens after home is drawn; tests reach for any at once
    yield h
    h.app.stop()


@pytest.fixture
def ui(kiosk_app):
    kiosk_app.app.home()
    kiosk_app.pump(0.1)
    return kiosk_app
