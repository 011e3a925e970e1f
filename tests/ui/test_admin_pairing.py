"""The admin screen pairs the kiosk on its keypad with the code from `community-server add-kiosk --pairing`
(the real server), and warns when QR links point at this machine only (issue 13.8, 13.9)."""

from __future__ import annotations

from kiosk import config as kconfig
from tests.sync.realserver import running
from tests.ui import find


def _admin(ui):
    ui.app.go("admin")
    find.type_digits(ui, ui.app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    return ui.app.sm.current_screen


def test_pairing_on_the_admin_keypad_writes_token_and_public_address(ui, monkeypatch, tmp_path, artefacts):
    with running(tmp_path / "srv") as srv:
        monkeypatch.setitem(ui.app.services.config["server"], "url", srv.url)
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "大厅", "--pairing")["pairing_code"]
        screen = _admin(ui)
        find.tap(ui, "配对")                            # step 1: the server, the configured one first
        find.tap(ui, f"设置里的服务器 · {srv.url.removeprefix('http://')}")
        assert screen.panel == "pair" and srv.url in find.texts(screen)
        find.type_digits(ui, code)
        ui.screenshot(artefacts / "screens" / "admin_pair_code.png")
        find.tap(ui, "确定")
        assert screen.message_kind == "ok" and "已配对" in screen.message, screen.message
        saved = kconfig.load(ui.app.services.config.path)
        assert saved["server"]["url"] == srv.url and saved["server"]["token"]
        assert saved["server"]["public_url"] == srv.url
        find.type_digits(ui, code)                      # used once: a clear error, nothing written
        find.tap(ui, "确定")
        assert screen.message_kind == "error" and "配对码不对或已过期" in screen.message
        ui.screenshot(artefacts / "screens" / "admin_pair_failed.png")
    ui.app.home()


def test_admin_warns_when_qr_links_point_at_this_machine(ui, monkeypatch, artefacts):
    monkeypatch.setitem(ui.app.services.config["server"], "public_url", "http://127.0.0.1:8700")
    screen = _admin(ui)
    assert "家人的手机打不开" in find.texts(screen)
    ui.screenshot(artefacts / "screens" / "admin_public_loopback.png")
    ui.app.home()
