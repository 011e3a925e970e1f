"""The admin screen finds the community server on the LAN (issue 13.8): pairing starts by choosing the server, the
configured one or one the real `community-server serve` announces by mDNS (here on loopback: the UI tests' kiosk
asks on 127.0.0.1 only), as big rows, name and address (查找服务器 searches again); a tap puts that address where
the pairing code is sent, and pairing with it works."""

from __future__ import annotations

import time

from kiosk import config as kconfig
from tests.audit import audit_screen
from tests.sync.realserver import running
from tests.ui import find


def _admin(ui):
    ui.app.go("admin")
    find.type_digits(ui, ui.app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    return ui.app.sm.current_screen


def _row_for(ui, screen, address: str, deadline_s: float = 60):
    """The row naming `address`, searching again while it has not answered (announcing takes ~2 s after start)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        ui.pump(0.2)
        rows = [w for w in screen.ids.servers.children if address in w.text]
        if rows:
            return rows[0]
        if screen._search is not None and screen._search._stop.is_set():
            find.tap(ui, "查找服务器")
    raise AssertionError(f"{address} not found: {screen.servers_text!r} {[w.text for w in screen.ids.servers.children]}")


def test_servers_found_on_the_lan_are_rows_and_a_tap_fills_the_pairing_address(ui, monkeypatch, tmp_path, artefacts):
    with running(tmp_path / "srv") as srv:
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "大厅", "--pairing")["pairing_code"]
        address = srv.url.removeprefix("http://")
        screen = _admin(ui)
        configured = ui.app.services.config["server"]["url"]
        assert configured != srv.url                         # the configured address is some other one
        find.tap(ui, "配对")
        assert screen.panel == "servers"
        assert screen.ids.servers.children[-1].text == f"设置里的服务器 · {configured.removeprefix('http://')}"
        row = _row_for(ui, screen, address)
        assert row.text == f"王家庄 · {address}"            # the post's name as the server announces it, and where
        assert "找到 " in screen.servers_text
        ui.pump(0.2)
        ui.screenshot(artefacts / "screens" / "admin_servers_found.png")
        assert audit_screen(ui, screen) == []               # big rows: sizes, gaps, contrast, at most six choices
        find.tap(ui, row.text)
        assert screen.panel == "pair" and screen.pair_url == srv.url
        assert srv.url in find.texts(screen) and screen.message == ""   # an earlier failure's words are gone
        ui.screenshot(artefacts / "screens" / "admin_server_chosen.png")
        find.type_digits(ui, code)                           # pairing goes to the server that was tapped
        find.tap(ui, "确定")
        assert screen.message_kind == "ok" and "已配对" in screen.message, screen.message
        assert kconfig.load(ui.app.services.config.path)["server"]["url"] == srv.url
    ui.app.home()


def test_with_no_server_found_the_configured_one_is_still_there(ui, artefacts):
    """No server of this test runs: the words say what to check (unless another test's server answered on
    loopback), and the configured address still leads to the code; 返回 steps back inside the admin."""
    screen = _admin(ui)
    find.tap(ui, "配对")
    assert "正在" in screen.servers_text
    end = time.monotonic() + 30
    while not screen._search._stop.is_set() and time.monotonic() < end:
        ui.pump(0.2)
    ui.pump(0.2)
    if len(screen.ids.servers.children) == 1:
        assert "没找到" in screen.servers_text
        ui.screenshot(artefacts / "screens" / "admin_servers_none.png")
    find.tap(ui, screen.ids.servers.children[-1].text)
    assert screen.panel == "pair" and screen.pair_url == ui.app.services.config["server"]["url"]
    assert screen.back_step() and screen.panel == "servers"   # the code's 返回: back to choosing the server
    assert screen.back_step() and screen.panel == "main"
    ui.app.home()
