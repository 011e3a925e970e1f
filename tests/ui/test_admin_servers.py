"""The admin screen finds the community server on the LAN (issue 13.8): 查找服务器 lists what the real
`community-server serve` announces by mDNS (here on loopback: the UI tests' kiosk asks on 127.0.0.1 only) as big
rows, name and address; a tap puts that address where the pairing code is sent, and pairing with it works."""

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
        if screen._search is not None and screen._search._stop.is_set() and "没有找到" in screen.servers_text:
            find.tap(ui, "再找一次")
    raise AssertionError(f"{address} not found: {screen.servers_text!r} {[w.text for w in screen.ids.servers.children]}")


def test_servers_found_on_the_lan_are_rows_and_a_tap_fills_the_pairing_address(ui, monkeypatch, tmp_path, artefacts):
    with running(tmp_path / "srv") as srv:
        code = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "大厅", "--pairing")["pairing_code"]
        address = srv.url.removeprefix("http://")
        screen = _admin(ui)
        find.tap(ui, "配对")
        assert screen.pair_url != srv.url                    # the configured address is some other one
        find.tap(ui, "查找服务器")
        assert screen.panel == "servers"
        row = _row_for(ui, screen, address)
        assert row.text == f"王家庄 · {address}"            # the post's name as the server announces it, and where
        assert "找到" in screen.servers_text
        ui.pump(0.2)
        ui.screenshot(artefacts / "screens" / "admin_servers_found.png")
        assert audit_screen(ui, screen) == []               # big rows: sizes, gaps, contrast, at most six choices
        find.tap(ui, row.text)
        assert screen.panel == "pair" and screen.pair_url == srv.url
        assert srv.url in find.texts(screen) and screen.message_kind == "ok"
        ui.screenshot(artefacts / "screens" / "admin_server_chosen.png")
        find.type_digits(ui, code)                           # pairing goes to the server that was tapped
        find.tap(ui, "确定")
        assert screen.message_kind == "ok" and "已配对" in screen.message, screen.message
        assert kconfig.load(ui.app.services.config.path)["server"]["url"] == srv.url
    ui.app.home()


def test_no_server_found_says_what_to_do(ui, artefacts):
    """Nothing announces itself on loopback but other tests' servers: none of them is this made-up one, and the
    words say what to check when the list is empty."""
    screen = _admin(ui)
    find.tap(ui, "配对")
    find.tap(ui, "查找服务器")
    assert screen.servers_text.startswith("正在")
    end = time.monotonic() + 30
    while not screen._search._stop.is_set() and time.monotonic() < end:
        ui.pump(0.2)
    ui.pump(0.2)
    if not screen.ids.servers.children:
        assert "没有找到社区服务器" in screen.servers_text
        ui.screenshot(artefacts / "screens" / "admin_servers_none.png")
    assert screen.back_step() and screen.panel == "pair"     # 返回 goes back to the code, not out of the admin
    ui.app.home()
