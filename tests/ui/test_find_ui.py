"""用电话查 in the real window against the real `community-server serve`: phone tail, building, unit, room ->
the request made at another kiosk of the post, read aloud with category and state; every step says where
you are (第N步/共4步); offline it says it could only check this kiosk's own requests (issue 13.1)."""

from __future__ import annotations

import json

from tests.sync.realserver import running
from tests.sync.test_cli import kiosk, write_config
from tests.ui import find


def _walk_find(ui, artefacts):
    app = ui.app
    find.tap(ui, "查进度")
    find.tap(ui, "忘了回执号？用电话查")
    screen = app.sm.current_screen
    assert screen.mode == "phone" and "第1步/共4步" in find.texts(screen)
    find.type_digits(ui, "5678")
    if artefacts:
        ui.screenshot(artefacts / "screens" / "find_phone.png")
    find.tap(ui, "确定")
    assert screen.mode == "building", (screen.answer, screen.ids.keypad.value)
    assert "第2步/共4步" in find.texts(screen)
    if artefacts:
        ui.screenshot(artefacts / "screens" / "find_building.png")
    find.tap(ui, "3号楼")
    assert screen.mode == "unit"
    find.tap(ui, "2单元")
    assert screen.mode == "room" and "第4步/共4步" in find.texts(screen)
    find.type_digits(ui, "502")
    find.tap(ui, "确定")
    assert ui.wait_until(lambda: screen.mode == "results"), (screen.mode, screen.answer, screen.wanted, screen.ids.keypad.value)
    return screen


def test_find_by_phone_and_door_in_the_window(ui, monkeypatch, tmp_path, artefacts):
    with running(tmp_path / "srv") as srv:
        other = write_config(tmp_path / "other.toml", tmp_path / "other-data", srv.url,
                             srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "二号终端")["token"])
        made = json.loads(kiosk(other, "submit", "--category", "gas_recharge", "--name", "张奶奶", "--building",
                                "3号楼", "--unit", "2单元", "--room", "502", "--phone", "13912345678",
                                "--json").stdout)
        kiosk(other, "sync", "--once")
        monkeypatch.setitem(ui.app.services.config["server"], "url", srv.url)
        monkeypatch.setitem(ui.app.services.config["server"], "token", srv.token)
        screen = _walk_find(ui, artefacts)
        shown = find.texts(screen)
        label = ui.app.services.catalog.get("gas_recharge").label
        assert made["receipt"][-4:] in shown and label in shown and screen.kind == "ok"
        assert "张奶奶" not in shown
        said = ui.app.services.speaker.last
        assert label in said and "找到" in said
        ui.screenshot(artefacts / "screens" / "find_results.png")
        find.tap(ui, "返回")                       # back one question, not out of the screen
        assert screen.mode == "room"
    ui.app.home()


def test_find_offline_says_it_checked_only_this_kiosk(ui, artefacts):
    assert not ui.app.services.config["server"]["token"]      # this kiosk is not registered: offline
    screen = _walk_find(ui, artefacts)
    assert screen.kind == "error" and "只能查本机" in screen.answer
    ui.screenshot(artefacts / "screens" / "find_offline_none.png")
    ui.app.home()


def test_a_code_given_at_another_kiosk_is_answered_by_the_server_in_the_window(ui, monkeypatch, tmp_path, artefacts):
    """查进度 by code for a request this kiosk never held (another kiosk of the post, or 干部代录, issue 15.2)."""
    with running(tmp_path / "srv") as srv:
        other = write_config(tmp_path / "other.toml", tmp_path / "other-data", srv.url,
                             srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "二号终端")["token"])
        made = json.loads(kiosk(other, "submit", "--category", "gas_recharge", "--room", "502", "--json").stdout)
        kiosk(other, "sync", "--once")
        monkeypatch.setitem(ui.app.services.config["server"], "url", srv.url)
        monkeypatch.setitem(ui.app.services.config["server"], "token", srv.token)
        find.tap(ui, "查进度")
        screen = ui.app.sm.current_screen
        find.type_digits(ui, made["receipt"][-4:])
        find.tap(ui, "确定")
        label = ui.app.services.catalog.get("gas_recharge").label
        assert ui.wait_until(lambda: screen.kind == "ok" and label in screen.answer), (screen.kind, screen.answer)
        assert screen.mode == "code" and not screen.asking
        if artefacts:
            ui.screenshot(artefacts / "screens" / "status_found_on_server.png")
