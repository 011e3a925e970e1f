"""The phone pages in Debian's real headless Chromium at a phone's size, served by the real
`community-server serve`: a lesson taken home, and the practice payment tapped through to success and then
opened again (a kind page). Screenshots: artefacts/lessons/phone-*.png."""

from __future__ import annotations

from sync.client import LessonsClient
from tests.browser import launch as launch_chromium
from tests.sync.realserver import RealServer


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
            b = launch_chromium(p)
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


def test_teacher_page_shows_a_synced_class(tmp_path, artefacts):
    """A class synced through the real outbox and sync client, then seen by the post's cadre in Chromium."""
    from types import SimpleNamespace

    from playwright.sync_api import sync_playwright

    from kiosk import config as kconfig
    from screens.lesson_session import LessonService
    from sync.client import SyncClient
    from sync.outbox import Outbox

    srv = RealServer(tmp_path / "srv")
    token = srv.setup_post_and_kiosk()
    srv.cli("add-user", "--username", "teacher", "--password", "pw-lessons-1", "--name", "张老师", "--post", "WJZ1")
    srv.start()
    try:
        cfg = kconfig.parse({"server": {"url": srv.url, "token": token}, "kiosk": {"data_dir": str(tmp_path / "k")}})
        outbox = Outbox(tmp_path / "k" / "outbox.sqlite3", "WJZ1")
        svc = LessonService(SimpleNamespace(config=cfg, outbox=outbox, sync=None))
        people = [{"uuid": f"0b0f2b4e-8d63-4a4e-9a53-3c1fb0d1e00{i}", "name": n} for i, n in enumerate(("李桂兰", "王建国", "赵秀英"))]
        svc.start_class("video_call", people)
        svc.record("finished", people[:2])
        svc.record("again", people[2:])
        assert SyncClient(outbox, srv.url, token).send()["sent"] == 6
        folder = artefacts / "lessons"
        with sync_playwright() as p:
            b = launch_chromium(p)
            page = b.new_page(viewport={"width": 1280, "height": 900})
            page.goto(srv.url + "/lessons/")
            page.fill("#id_username", "teacher")
            page.fill("#id_password", "pw-lessons-1")
            page.click("button[type=submit]")
            page.wait_for_url("**/lessons/")
            text = page.inner_text("main")
            assert "微信视频通话" in text and "李桂兰" in text and "赵秀英" in text
            page.screenshot(path=str(folder / "teacher-overview.png"), full_page=True)
            page.click("main table >> nth=1 >> a")
            detail = page.inner_text("main")
            assert "到课 3 人" in detail and detail.count("✓ 学会了") == 2 and "要再学" in detail
            page.screenshot(path=str(folder / "teacher-session.png"), full_page=True)
            b.close()
    finally:
        srv.stop()
