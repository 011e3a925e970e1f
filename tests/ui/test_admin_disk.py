"""The admin screen's status shows the free disk of the kiosk's data dir (issue 16). Printer state: a later issue."""

from __future__ import annotations

import re
import shutil

from tests.ui import find


def test_admin_shows_free_disk(ui):
    app = ui.app
    app.go("admin")
    ui.pump(0.1)
    find.type_digits(ui, app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    screen = app.sm.current_screen
    m = re.search(r"本机磁盘剩余 ([0-9.]+) GB（([0-9]+)%）", screen.status_text)
    assert m, screen.status_text
    free_gb = shutil.disk_usage(app.services.config.data_dir).free / 2**30
    assert abs(float(m.group(1)) - free_gb) < 0.5
    ui.pump(0.1)
    assert "本机磁盘剩余" in find.texts(screen)   # on the screen, not only in the property
    app.home()
