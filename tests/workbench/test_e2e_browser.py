"""End to end in Debian's real headless Chromium against the real `community-server serve`:
a kiosk submits and syncs a request, a cadre logs in and assigns it to a volunteer, the volunteer
logs in on a phone-sized window and resolves it, and `kiosk status CODE` reports it resolved after a sync.
Every page is screenshotted into artefacts/workbench/."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk import config as kconfig
from tests.browser import launch as launch_chromium
from tests.sync.realserver import RealServer


@pytest.fixture
def server(tmp_path):
    srv = RealServer(tmp_path / "srv")
    srv.token = srv.setup_post_and_kiosk()
    srv.cli("add-user", "--username", "cadre", "--password", "cadre-pass-1", "--name", "张干部", "--post", "WJZ1")
    srv.cli("add-user", "--username", "boss", "--password", "boss-pass-1", "--name", "刘书记", "--admin")
    srv.cli("add-volunteer", "--username", "zhao", "--name", "赵师傅",
            "--post", "WJZ1", "--skill", "shopping", "--kind", "building_head", "--availability", "工作日上午")
    srv.cli("add-volunteer", "--username", "qian", "--name", "钱老板", "--post", "WJZ1", "--skill", "gas_recharge",
            "--kind", "merchant")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def kiosk(tmp_path, server):
    cfg = tmp_path / "kiosk.toml"
    kconfig.write_config(cfg, {"server": {"url": server.url, "token": server.token, "timeout_s": 5},
                               "kiosk": {"data_dir": str(tmp_path / "kiosk")}})
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}

    def run(*args) -> dict:
        r = subprocess.run([sys.executable, "-m", "kiosk.cli", *args, "--json"], env=env, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)
    return run


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def shot(page, artefacts, name):
    folder = artefacts / "workbench"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def login(page, url, username, password):
    page.goto(url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_kiosk_request_assigned_resolved_and_kiosk_hears_it(server, kiosk, browser, artefacts):
    made = kiosk("submit", "--category", "shopping", "--name", "王奶奶", "--building", "3号楼", "--unit", "2单元",
                 "--room", "501", "--phone", "13800001234", "--text", "帮我买一袋面粉")
    other = kiosk("submit", "--category", "gas_recharge", "--name", "李大爷", "--room", "101", "--phone", "13900000000")
    sync = kiosk("sync", "--once")
    assert sync["sent"] == 2 and sync["error"] == ""
    receipt = made["receipt"]

    # The cadre, on a desktop-sized window.
    cadre = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = cadre.new_page()
    page.goto(server.url + "/")
    assert "干部登录" in page.content()
    shot(page, artefacts, "01-login")
    login(page, server.url, "cadre", "wrong-password")
    assert "用户名或密码不对" in page.inner_text("main")
    shot(page, artefacts, "02-login-failed")
    login(page, server.url, "cadre", "cadre-pass-1")
    page.wait_for_url("**/w/inbox/")
    main = page.inner_text("main")
    assert receipt in main and other["receipt"] in main and "代充燃气" in main
    rows = page.locator("table.inbox tbody tr")
    assert other["receipt"] in rows.nth(0).inner_text()      # gas is urgent: listed first
    shot(page, artefacts, "03-inbox")

    # A new request arrives while the inbox is open: the page announces it, then reloads by itself.
    late = kiosk("submit", "--category", "message", "--name", "孙阿姨", "--room", "202", "--phone", "13700000000")
    assert kiosk("sync", "--once")["sent"] == 1
    with page.expect_event("load", timeout=30_000):
        page.evaluate("inboxCheck()")
        page.wait_for_selector("#arrivals:not([hidden])")
        assert "新到 1 件诉求" in page.inner_text("#arrivals")
        shot(page, artefacts, "03b-inbox-new-arrival")
    assert late["receipt"] in page.locator("tr.new").first.inner_text()

    page.click(f"text={receipt}")
    page.wait_for_url("**/w/requests/*/")
    detail = page.inner_text("main")
    assert "王奶奶" in detail and "13800001234" in detail and "帮我买一袋面粉" in detail
    options = page.locator("#volunteer option").all_inner_texts()
    assert options[1].startswith("★ 赵师傅")                 # skilled in shopping: suggested first
    shot(page, artefacts, "04-request")
    page.select_option("#volunteer", label=options[1])
    page.fill("#assign_note", "面粉要五公斤装")
    page.click("text=派单")
    page.wait_for_selector(".msg.success")
    assert "已派给志愿者" in page.inner_text("main")
    shot(page, artefacts, "05-assigned")

    for path, name, expect in (("/w/volunteers/", "06-volunteers", "赵师傅"), ("/w/topics/", "07-topics", "微议事"),
                               ("/w/metrics/", "08-metrics", "响应率"), ("/w/kiosks/", "09-kiosks", "WJZ1"),
                               ("/w/daily/", "10-daily", receipt), ("/w/volunteers/new/", "11-volunteer-form", "擅长")):
        page.goto(server.url + path)
        assert expect in page.inner_text("main"), path
        shot(page, artefacts, name)
    page.goto(server.url + "/w/metrics/")
    assert page.locator("svg.chart").count() == 2
    page.goto(server.url + "/w/topics/new/")
    page.select_option("#id_post", index=1)
    page.fill("#id_title", "三号楼垃圾点清运")
    page.click("button[name=save]")
    page.wait_for_selector(".msg.success")
    shot(page, artefacts, "12-topic")
    # Merge the late request into the deliberation, then tell its resident the outcome.
    page.goto(server.url + "/w/inbox/")
    page.click(f"text={late['receipt']}")
    page.click("text=并入议事（同一个问题很多人反映）")
    page.select_option("#topic", label="三号楼垃圾点清运")
    page.click("button:has-text('并入')")
    page.wait_for_selector(".msg.success")
    assert "已并入议事" in page.inner_text("main")
    page.click("a:has-text('三号楼垃圾点清运')")
    page.fill("#id_participants", "张干部、楼栋长赵师傅、居民代表三人")
    page.fill("#id_decision", "垃圾点移到围墙边，加盖")
    page.fill("#id_outcome", "垃圾点已经移走，每天清运两次")
    page.click("button[name=tell]")
    page.wait_for_selector(".msg.success")
    assert "已把议事结果告诉 1 件诉求的居民" in page.inner_text("main")
    shot(page, artefacts, "12b-topic-outcome-told")
    cadre.close()

    # The volunteer, on a phone-sized window.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
    page = phone.new_page()
    # The volunteer sets their own password through the one-time link the operator issued (never typed for them).
    link = server.cli_json("issue-access", "--username", "zhao", "--url", server.url)["link"]
    page.goto(link)
    page.fill("#id_new_password1", "zhao-pass-1")
    page.fill("#id_new_password2", "zhao-pass-1")
    page.click("button:has-text('保存密码')")
    page.wait_for_selector(".msg.success")
    login(page, server.url, "zhao", "zhao-pass-1")
    page.wait_for_url("**/w/tasks/")
    tasks = page.inner_text("main")
    assert receipt in tasks and other["receipt"] not in tasks and "13800001234" in tasks
    shot(page, artefacts, "13-volunteer-tasks")
    page.click("text=我去办了")
    page.wait_for_selector(".msg.success")
    page.fill("textarea[name=resolution]", "买了五公斤面粉送到家，老人已收到")
    page.click("text=办好了")
    page.wait_for_selector(".msg.success")
    assert "现在没有要办的任务" in page.inner_text("main")
    shot(page, artefacts, "14-volunteer-done")
    page.goto(server.url + "/w/inbox/")
    assert "Not Found" in page.content() or page.locator("table.inbox").count() == 0
    phone.close()

    # The community admin: the finished request's timeline and the audit log of who saw personal data.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = admin.new_page()
    login(page, server.url, "boss", "boss-pass-1")
    page.wait_for_url("**/w/inbox/")
    page.goto(server.url + f"/w/inbox/?state=all&q={receipt}")
    page.click(f"text={receipt}")
    timeline = page.inner_text("ol.timeline")
    assert "赵师傅" in timeline and "买了五公斤面粉送到家" in timeline and "张干部" in timeline
    assert "记录回访" in page.inner_text(".actions")
    shot(page, artefacts, "15-request-resolved")
    page.goto(server.url + "/w/audit/")
    log = page.inner_text("main")
    assert "cadre" in log and "zhao" in log and "查看" in log and "登录失败" in log
    shot(page, artefacts, "16-audit-log")
    admin.close()

    # Back on the kiosk: one sync, then the status answer is offline and says it is resolved.
    assert kiosk("sync", "--once")["updates"] >= 3
    server.stop()
    st = kiosk("status", receipt)
    assert (st["state"], st["state_label"]) == ("resolved", "已办结")
    assert st["public_note"].startswith("您的诉求已经办好了")
    stored = {r["receipt"]: r for r in server.cli_json("requests")}
    assert stored[receipt]["state"] == "resolved" and stored[other["receipt"]]["state"] == "received"
    assert stored[late["receipt"]]["state"] == "merged"
    told = kiosk("status", late["receipt"])
    assert told["state"] == "merged" and told["public_note"] == "社区议事有了结果：垃圾点已经移走，每天清运两次"
