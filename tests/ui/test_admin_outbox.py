"""The admin screen shows a damaged outbox and the rows set aside, in Chinese (real Kivy window)."""

from __future__ import annotations

import os

import pytest

from sync.outbox import Outbox
from tests.ui import find


@pytest.fixture
def admin(ui):
    app = ui.app
    app.go("admin")
    ui.pump(0.1)
    find.type_digits(ui, app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    return app.sm.current_screen


def test_admin_shows_a_damaged_outbox_and_the_codes_it_lost(ui, admin, tmp_path):
    path = tmp_path / "outbox.sqlite3"
    ob = Outbox(path, "WJZ1")
    codes = [ob.add_request({"category": "shopping", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
                             "room": "1-101"})[1] for _ in range(6)]
    ob.close()
    os.truncate(path, 0)                                # the power cut that empties the file
    app = ui.app
    kept, app.services.outbox = app.services.outbox, Outbox(path, "WJZ1")
    try:
        admin.refresh()
        ui.pump(0.1)
        shown = find.texts(admin)
        assert "发送队列文件损坏（文件是空的）" in shown and "另有 6 条" in shown
        assert sum(code in shown for code in codes) == 4 and app.t("admin.unreadable_more", count=2) in shown
        assert "代买物品" in shown and "shopping" not in shown   # the category by its label, not its id
        assert "内容已丢失" in shown
    finally:
        app.services.outbox.close()
        app.services.outbox = kept
        admin.refresh()
