"""The phone pages in Debian's real headless Chromium at a phone's size, served by the real
`community-server serve`: a lesson taken home, and the practice payment tapped through to success and then
opened again (a kind page). Screenshots: artefacts/lessons/phone-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.lessons_client import LessonsClient
from tests.sync.realserver import RealServer

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium missing: scripts/setup --test installs it")


def test_phone_pages_in_a_real_browser(tmp_path, artefacts):
    from playwright.sync_api import sync_playwright

    srv = RealServer(tmp_path / "srv")
    token = srv.setup_post_and_kiosk()
    srv.start()
    folder = artefacts / "lessons"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        client = LessonsClient(srv.url, token)
        practice = client.new_practice("scan_pay")
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            page.goto(f"{srv.url}/l/scan_pay")
            page.screenshot(path=str(folder / "phone-lesson.png"), full_page=True)
            text = page.inner_text("body")
            assert "第1步/共8步" in text and "打开微信" in text
            assert page.evaluate("document.documentElement.scrollWidth") <= 390   # no sideways scrolling
            size = page.eval_on_selector(".say", "e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 22
            page.goto(srv.url + practice["path"])
            assert client.practice_state(practice["token"]) == "scanned"
            page.screenshot(path=str(folder / "phone-practice.png"), full_page=True)
            page.click("text=确认付款（练习）")
            page.wait_for_selector("text=支付成功（练习）")
            page.screenshot(path=str(folder / "phone-practice-done.png"), full_page=True)
            assert client.practice_state(practice["token"]) == "done"
            page.goto(srv.url + practice["path"])
            assert "已经用过了" in page.inner_text("body")
            page.screenshot(path=str(folder / "phone-practice-used.png"), full_page=True)
            b.close()
    finally:
        srv.stop()
