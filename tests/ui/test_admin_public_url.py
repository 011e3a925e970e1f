"""In the running kiosk (the real window): a kiosk whose QR links point at this machine shows the warning on its
admin screen; one sync round with the real server that has COMMUNITY_PUBLIC_URL set, and the warning is gone and
the next receipt's QR, read from the screenshot, opens the public address (issue 13.9)."""

from __future__ import annotations

from kiosk import config as kconfig
from sync.client import SyncClient
from sync.outbox import Outbox
from tests.sync.realserver import RealServer
from tests.ui import find
from tests.ui.test_qrwidget import _receipt_screen

LAN = "http://192.168.1.20:8700"   # written into links only; nothing is sent there


def test_the_next_sync_brings_the_public_address_to_the_admin_screen_and_the_qr(ui, monkeypatch, tmp_path, artefacts):
    from PIL import Image
    from pyzbar.pyzbar import decode

    cfg = ui.app.services.config
    monkeypatch.setitem(cfg["server"], "public_url", "http://127.0.0.1:8700")   # paired before it was set
    ui.app.go("admin")
    find.type_digits(ui, cfg["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    admin = ui.app.sm.current_screen
    assert "家人的手机打不开" in find.texts(admin)
    srv = RealServer(tmp_path / "srv")
    srv.env["COMMUNITY_PUBLIC_URL"] = LAN
    token = srv.setup_post_and_kiosk()
    srv.start()
    try:   # the App's worker is built by kiosk/wiring.py with this same callback (its own outbox: the session's
        # window keeps its queue for the other tests)
        client = SyncClient(Outbox(tmp_path / "o.sqlite3", "WJZ1"), srv.url, token,
                            on_public_url=lambda url: kconfig.keep_public_url(cfg, url))
        assert client.run_once()["error"] == ""
    finally:
        srv.stop()
    admin.refresh()                                   # what its 5-second timer does
    assert "家人的手机打不开" not in find.texts(admin)
    ui.screenshot(artefacts / "screens" / "admin_public_url_learned.png")
    _, receipt, uuid = _receipt_screen(ui)
    shot = ui.screenshot(artefacts / "screens" / "receipt_qr_public_url.png")
    assert [d.data.decode() for d in decode(Image.open(shot))] == [f"{LAN}/r/{receipt}?u={uuid}"]
    ui.app.home()
