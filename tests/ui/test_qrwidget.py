"""The receipt's QR code: a phone can read it from the real rendered window, and it is big enough."""

from __future__ import annotations

from tests.ui import find


def _receipt_screen(ui):
    from kiosk.submit import submit_request

    app = ui.app
    r = submit_request(app.services, category="shopping", phone="13700004444")
    app.receipt_uuid = r["uuid"]
    app.receipt = r["receipt"]
    app.go("receipt")
    ui.pump(0.2)
    return app.sm.current_screen, r["receipt"], r["uuid"]


def test_receipt_qr_decodes_to_the_status_page_from_the_screenshot(ui, artefacts):
    from PIL import Image
    from pyzbar.pyzbar import decode

    from screens.qrwidget import QRCodeWidget
    from tests.ui.find import walk

    screen, receipt, uuid = _receipt_screen(ui)
    qr = next(w for w in walk(screen) if isinstance(w, QRCodeWidget))
    shot = ui.screenshot(artefacts / "screens" / "receipt-qr.png")
    decoded = [d.data.decode() for d in decode(Image.open(shot))]
    assert decoded == [f"{ui.app.services.config.public_url}/r/{receipt}?u={uuid}"]
    assert qr.data == decoded[0]


def test_qr_is_at_least_five_centimetres_with_whole_pixel_modules(ui):
    from screens import theme
    from screens.qrwidget import QRCodeWidget
    from tests.ui.find import walk

    screen, _, _ = _receipt_screen(ui)
    qr = next(w for w in walk(screen) if isinstance(w, QRCodeWidget))
    s = ui.app.services.config["screen"]
    px_per_mm = (s["width"] ** 2 + s["height"] ** 2) ** 0.5 / s["diagonal_inches"] / 25.4
    assert qr.side / px_per_mm >= theme.QR_MIN_MM - 0.5
    assert qr.side % qr.modules == 0


def test_qr_matrix_has_the_quiet_zone_and_error_correction_m():
    import qrcode

    from screens.qrwidget import qr_matrix

    m = qr_matrix("http://192.168.1.20:8700/r/WJZ1-0427")
    n = len(m)
    assert all(not any(row) for row in m[:4] + m[-4:])
    assert all(not any(row[:4]) and not any(row[-4:]) for row in m)
    plain = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    plain.add_data("http://192.168.1.20:8700/r/WJZ1-0427")
    plain.make(fit=True)
    assert n == len(plain.get_matrix())


def test_receipt_narration_names_the_digits_twice(ui):
    screen, receipt, uuid = _receipt_screen(ui)
    words = " ".join("零一二三四五六七八九"[int(d)] for d in receipt[-4:])
    assert screen.narration().count(words) == 2
    assert find.texts(screen).count(" ".join(receipt[-4:])) == 1
