"""The practice loop on the real kiosk window against the real server: the practice QR decoded from a
screenshot (pyzbar) is the server's one-time address; the test plays the phone with requests; the kiosk
says so by voice. The take-home QR on the last page decodes to the lesson's phone page."""

from __future__ import annotations

import pytest
import requests

from tests.lessons.test_e2e import phone_pays
from tests.sync.realserver import running
from tests.ui.test_lessons_player import open_lesson, tap


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running(tmp_path_factory.mktemp("lessons-ui-srv")) as srv:
        yield srv


@pytest.fixture
def on_server(ui, server):
    """Point the kiosk's lessons at the real server (as `server.url` and the kiosk token in kiosk.toml would)."""
    from kiosk import config as kconfig

    svc = ui.app.services.lessons
    saved = svc.config, svc._client
    svc.config = kconfig.parse({"server": {"url": server.url, "token": server.token},
                                "kiosk": {"data_dir": str(ui.app.services.config.data_dir)}})
    svc._client = None
    yield ui
    svc.config, svc._client = saved


def decode_qr(path) -> list[str]:
    from PIL import Image
    from pyzbar.pyzbar import decode

    return [s.data.decode() for s in decode(Image.open(path)) if s.type == "QRCODE"]


def test_practice_qr_is_scanned_paid_and_congratulated(on_server, server, artefacts):
    ui = on_server
    open_lesson(ui, "扫码付款")
    screen = ui.app.sm.current_screen
    practice = next(i for i, s in enumerate(screen.lesson_steps) if s.practice)
    for _ in range(practice):
        tap(ui, "下一步")
    assert ui.wait_until(lambda: screen.status_text == ui.app.t("lesson.practice_new"))
    shot = ui.screenshot(artefacts / "lessons" / "scan_pay-practice.png")
    codes = decode_qr(shot)
    assert len(codes) == 1 and codes[0] == screen.practice_url
    assert codes[0].startswith(server.url + "/p/")
    done = phone_pays(codes[0])
    assert "支付成功（练习）" in done.text
    speaker = ui.app.services.speaker
    assert ui.wait_until(lambda: speaker.last and "付款成功" in speaker.last), speaker.spoken[-3:]
    assert "练习成功" in screen.status_text
    ui.screenshot(artefacts / "lessons" / "scan_pay-practice-done.png")
    # The same code again: a kind page, not a second payment.
    again = requests.get(codes[0], timeout=10)
    assert again.status_code == 410 and "已经用过了" in again.text
    items = [i for i in ui.app.services.outbox.due(1000, force=True) if i["kind"] == "lesson_progress"]
    assert any(i["outcome"] == "practice_ok" and i["lesson_id"] == "scan_pay" for i in items)
    # 再练一次 (the next learner in a class): a fresh one-time code, not the used one.
    tap(ui, "再练一次")
    assert ui.wait_until(lambda: screen.status_text == ui.app.t("lesson.practice_new"))
    fresh = decode_qr(ui.screenshot(artefacts / "lessons" / "scan_pay-practice-again.png"))
    assert len(fresh) == 1 and fresh[0] != codes[0] and fresh[0].startswith(server.url + "/p/")


def test_take_home_qr_opens_the_lesson_on_a_phone(on_server, server, artefacts):
    ui = on_server
    open_lesson(ui, "识别电信诈骗")
    screen = ui.app.sm.current_screen
    for _ in range(screen.count):
        tap(ui, "下一步")
    shot = ui.screenshot(artefacts / "lessons" / "fraud-end-take-home.png")
    codes = decode_qr(shot)
    assert codes == [server.url + "/l/fraud"]
    page = requests.get(codes[0], timeout=10)
    assert page.status_code == 200 and "识别电信诈骗" in page.text and "第6步/共6步" in page.text


def test_every_step_screen_has_no_stray_qr(ui):
    """Drawn phone screens show a QR-like picture; no scanner may read it as an address."""
    from screens.phonesketch import PhoneSketch

    open_lesson(ui, "扫码付款")
    screen = ui.app.sm.current_screen
    tap(ui, "下一步")
    tap(ui, "下一步")
    tap(ui, "下一步")
    assert any(isinstance(w, PhoneSketch) for w in screen.ids.right.children)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        assert decode_qr(ui.screenshot(Path(d) / "sketch-qr.png")) == []
