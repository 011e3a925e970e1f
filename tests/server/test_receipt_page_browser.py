"""The phone status page behind the receipt QR, in Debian's real headless Chromium at a phone's size,
served by the real `community-server serve`. Screenshots: artefacts/sync/receipt-*.png."""

from __future__ import annotations

import uuid

import requests

from sync import protocol
from tests.browser import launch as launch_chromium
from tests.sync.realserver import RealServer


def test_receipt_page_on_a_phone(tmp_path, artefacts):
    from playwright.sync_api import sync_playwright

    srv = RealServer(tmp_path / "srv")
    token = srv.setup_post_and_kiosk()
    srv.start()
    try:
        it = {"kind": "request", "uuid": str(uuid.uuid4()), "receipt": "WJZ1-0427", "category": "gas_recharge",
              "channel": "voice", "created_at": "2026-11-28T09:00:00+08:00", "name": "王秀英", "phone": "13800001111",
              "building": "3号楼", "room": "502", "text": "燃气卡没钱了"}
        r = requests.post(srv.url + protocol.SUBMIT_PATH, json={"protocol": 1, "items": [it]},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.json()["results"][0]["status"] == "created"
        folder = artefacts / "sync"
        folder.mkdir(exist_ok=True)
        with sync_playwright() as p:
            b = launch_chromium(p)
            page = b.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            page.goto(f"{srv.url}/r/WJZ1-0427?u={it['uuid']}")
            page.screenshot(path=str(folder / "receipt-found.png"), full_page=True)
            text = page.inner_text("body")
            assert "WJZ1-0427" in text and "代充燃气" in text and "社区已收到" in text
            for secret in ("王秀英", "13800001111", "502", "燃气卡"):
                assert secret not in text
            size = page.eval_on_selector(".state", "e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 32   # read at arm's length by an elderly resident
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390   # no sideways scrolling on a phone
            page.goto(f"{srv.url}/r/WJZ1-9999")
            page.screenshot(path=str(folder / "receipt-missing.png"), full_page=True)
            assert "没有找到这个回执号" in page.inner_text("body")
            b.close()
    finally:
        srv.stop()
