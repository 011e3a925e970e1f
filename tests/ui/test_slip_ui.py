"""The printed slip in the real window: the touch flow prints (python-escpos to a file device), the receipt
screen then says to take the slip; a printer that is gone shows on the admin screen; without a printer the
words never mention a slip (issue 13.1)."""

from __future__ import annotations

from kiosk.printer import SlipPrinter
from tests.ui import find


def _submit(ui, **fields):
    app = ui.app
    app.start_request("gas_recharge")
    app.draft.update({"room": "502", "building": "3号楼", "unit": "2单元", **fields})
    assert app.submit()
    ui.pump(0.1)
    return app.receipt


def test_touch_submit_prints_the_slip_and_says_to_take_it(ui, monkeypatch, tmp_path, artefacts):
    device = tmp_path / "lp0"
    monkeypatch.setattr(ui.app.services, "printer", SlipPrinter(str(device)))
    receipt = _submit(ui)
    screen = ui.app.sm.current_screen
    assert screen.name == "receipt"
    assert "回执单" in find.texts(screen) and "回执单" in ui.app.services.speaker.spoken[-1]
    assert ui.wait_until(lambda: device.exists() and receipt[-4:].encode() in device.read_bytes())
    assert device.read_bytes().startswith(b"\x1b@")
    ui.screenshot(artefacts / "screens" / "receipt_with_printer.png")
    ui.app.home()


def test_without_a_printer_the_receipt_and_status_never_mention_a_slip(ui, artefacts):
    assert ui.app.services.printer is None
    _submit(ui)
    assert "回执单" not in find.texts(ui.app.sm.current_screen)
    assert "回执单" not in ui.app.services.speaker.spoken[-1]
    ui.app.home()
    ui.app.go("status")
    find.type_digits(ui, "9999")
    find.tap(ui, "确定")
    assert "回执单" not in ui.app.sm.current_screen.answer and "没有找到" in ui.app.sm.current_screen.answer
    ui.app.home()


def test_a_printer_that_is_gone_shows_on_the_admin_screen(ui, monkeypatch, tmp_path, artefacts):
    printer = SlipPrinter(str(tmp_path / "unplugged" / "lp0"))
    monkeypatch.setattr(ui.app.services, "printer", printer)
    receipt = _submit(ui)
    assert ui.app.services.outbox.status(receipt) is not None     # queued whatever the printer did
    assert ui.wait_until(lambda: printer.health != "ok")
    ui.app.go("admin")
    find.type_digits(ui, ui.app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    shown = find.texts(ui.app.sm.current_screen)
    assert "打印机：打印机没有连上，回执单没有打印。" in shown and "unplugged" not in shown
    # and the heartbeat tells the cadres' kiosks page
    assert ui.app.services.sync.client.heartbeat_info()["printer_health"] == "打印机没有连上，回执单没有打印。"
    ui.screenshot(artefacts / "screens" / "admin_printer_offline.png")
    ui.app.home()
