"""A cadre's day (issue 15) in Debian's real headless Chromium against the real `community-server serve`:
a resident phones about the request she made at the kiosk, the cadre finds it by the phone's last four digits,
takes a second request down by phone (干部代录) and tells her its code, assigns it with an instruction, the
volunteer reads the instruction on a phone-sized page and hands the task back, the cadre reassigns and resolves,
records the follow-up in words and reads the metrics. Screenshots go to artefacts/workbench/day-*.png."""

from __future__ import annotations

import csv
import io

from tests.workbench.test_e2e_browser import browser, kiosk, login, server  # noqa: F401  (fixtures)


def shot(page, artefacts, name):
    folder = artefacts / "workbench"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"day-{name}.png"), full_page=True)


def phone_context(browser):   # noqa: F811
    return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale="zh-CN")


def set_password(page, server, username, password):   # noqa: F811
    link = server.cli_json("issue-access", "--username", username, "--url", server.url)["link"]
    page.goto(link)
    page.fill("#id_new_password1", password)
    page.fill("#id_new_password2", password)
    page.click("button:has-text('保存密码')")
    page.wait_for_selector(".msg.success")


def test_a_cadres_day(server, kiosk, browser, artefacts):   # noqa: F811
    made = kiosk("submit", "--category", "shopping", "--name", "王奶奶", "--building", "3号楼", "--unit", "2单元",
                 "--room", "501", "--phone", "13800001234", "--text", "帮我买一袋面粉")
    kiosk("submit", "--category", "message", "--name", "李大爷", "--room", "101", "--phone", "13900000000")
    assert kiosk("sync", "--once")["sent"] == 2

    cadre = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = cadre.new_page()
    login(page, server.url, "cadre", "cadre-pass-1")
    page.wait_for_url("**/w/inbox/")
    assert "帮我买一袋面粉" in page.inner_text("table.inbox")          # rows show what the resident said
    assert not page.is_visible("#f_post")                              # filters folded away
    shot(page, artefacts, "01-inbox")

    # A phone call: "I'm the one whose number ends in 1234".
    page.fill("#f_q", "1234")
    page.click("form.search button:has-text('查找')")
    rows = page.locator("table.inbox tbody tr")
    assert rows.count() == 1 and made["receipt"] in rows.nth(0).inner_text()
    shot(page, artefacts, "02-search-last-four")

    # She also asks for a repair: the cadre takes it down by phone.
    page.click("text=干部代录")
    page.wait_for_url("**/w/requests/new/")
    page.check("input[name=channel][value=phone]")
    page.select_option("#id_category", "home_repair")
    page.fill("#id_contact_name", "王奶奶")
    page.fill("#id_building", "3号楼")
    page.fill("#id_unit", "2单元")
    page.fill("#id_room", "501")
    page.fill("#id_phone", "13800001234")
    page.fill("#id_text", "卫生间水龙头一直滴水")
    shot(page, artefacts, "03-take-by-phone")
    page.click("button:has-text('登记，给回执号')")
    page.wait_for_selector(".msg.success")
    told = page.inner_text(".msg.success")
    code = told.split("请告诉居民回执号：")[1].split("（")[0]
    assert code.startswith("WJZ1-") and "电话" in page.inner_text("main")
    shot(page, artefacts, "04-taken")

    # Assign it with an instruction.
    options = page.locator("#volunteer option").all_inner_texts()
    zhao = next(o for o in options if "赵师傅" in o)
    page.select_option("#volunteer", label=zhao)
    page.fill("#assign_note", "请今天下午上门看看")
    page.click("button:has-text('派单')")
    page.wait_for_selector(".msg.success")
    assert "请今天下午上门看看" in page.inner_text("main")

    # The volunteer, on a phone: sees the instruction, the address, the time limit, a tap-to-call number.
    vphone = phone_context(browser)
    vp = vphone.new_page()
    set_password(vp, server, "zhao", "zhao-pass-1")
    login(vp, server.url, "zhao", "zhao-pass-1")
    vp.wait_for_url("**/w/tasks/")
    card = vp.locator("article.task").filter(has_text=code)
    text = card.inner_text()
    assert "干部交代：请今天下午上门看看" in text and "3号楼 2单元 501" in text and "时限：请在" in text
    assert card.locator("a[href='tel:13800001234']").count() == 1
    shot(vp, artefacts, "05-volunteer-card")
    card.locator("summary:has-text('办不了，退回给干部')").click()
    card.locator("textarea[name=reason]").fill("我这两天在外地，回不来")
    card.locator("button:has-text('退回')").click()
    vp.wait_for_selector(".msg.success")
    assert vp.locator("article.task").filter(has_text=code).count() == 0
    shot(vp, artefacts, "06-volunteer-handed-back")

    # Back on the cadre's inbox: at the top, with the reason.
    page.goto(server.url + "/w/inbox/")
    first = page.locator("table.inbox tbody tr").nth(0).inner_text()
    assert code in first and "志愿者退回" in first and "在外地" in first
    shot(page, artefacts, "07-inbox-handed-back-on-top")

    # The cadre on a phone: the first screen shows requests, the filters are folded.
    cphone = phone_context(browser)
    cp = cphone.new_page()
    login(cp, server.url, "cadre", "cadre-pass-1")
    cp.wait_for_url("**/w/inbox/")
    assert not cp.is_visible("#f_post")
    box = cp.locator("table.inbox tbody tr").nth(0).bounding_box()
    assert box is not None and box["y"] < 844
    shot(cp, artefacts, "08-inbox-on-a-phone")
    cphone.close()

    # Reassign to another volunteer, then resolve.
    page.click(f"text={code}")
    qian = next(o for o in page.locator("#volunteer option").all_inner_texts() if "钱老板" in o)
    page.select_option("#volunteer", label=qian)
    page.fill("#assign_note", "带上扳手")
    page.click("button:has-text('派单')")
    page.wait_for_selector(".msg.success")
    page.fill("#resolution", "钱老板换了水龙头的垫片，不滴水了")
    page.click("button:has-text('办结')")
    page.wait_for_selector(".msg.success")

    # The follow-up, in words; "not satisfied" asks why.
    page.check("input[name=satisfaction][value=不满意]")
    page.click("button:has-text('记录回访')")
    page.wait_for_selector(".msg.error")
    assert "请问一问原因" in page.inner_text(".msg.error")
    page.check("input[name=satisfaction][value=基本满意]")
    page.click("button:has-text('记录回访')")
    page.wait_for_selector(".msg.success")
    assert "基本满意" in page.inner_text("main")
    shot(page, artefacts, "09-followed-up")

    # The resident's code is found on the public page, as at the kiosk's 查进度.
    pub = browser.new_context(locale="zh-CN").new_page()
    assert pub.goto(server.url + f"/r/{code}").status == 200
    assert "已回访" in pub.inner_text("body")

    # Metrics in words, legible month labels, and the export holds the page's figures.
    page.goto(server.url + "/w/metrics/")
    kpis = page.inner_text(".kpis")
    assert "0 / 1 / 0" in kpis and "满意 / 基本满意 / 不满意" in kpis
    shot(page, artefacts, "10-metrics")
    with page.expect_download() as dl:
        page.click("a:has-text('CSV')")
    rows = list(csv.reader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    assert rows[1][:3] == ["全部", "全部", "3"] and rows[1][7] == "1"
    daily = page.goto(server.url + "/w/daily/")
    assert daily.ok and "卫生间水龙头一直滴水" in page.inner_text("main")
    shot(page, artefacts, "11-daily")
    assert page.goto(server.url + "/favicon.ico").ok
    vphone.close()
    cadre.close()


def test_related_requests_gathered_into_a_topic_in_one_tap(server, kiosk, browser, artefacts):   # noqa: F811
    for name, room, text in (("周阿姨", "101", "楼道灯坏了"), ("吴爷爷", "302", "楼道太黑，晚上不敢走"),
                             ("郑奶奶", "501", "楼梯灯不亮")):
        kiosk("submit", "--category", "sanitation", "--name", name, "--building", "6号楼", "--room", room,
              "--text", text)
    assert kiosk("sync", "--once")["sent"] == 3
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    login(page, server.url, "cadre", "cadre-pass-1")
    page.wait_for_url("**/w/inbox/")
    page.fill("#f_q", "周阿姨")
    page.click("form.search button:has-text('查找')")
    page.locator("table.inbox tbody tr a.receipt").first.click()
    related = page.inner_text("section.related")
    assert "楼道太黑" in related and "楼梯灯不亮" in related and "建议开一次微议事" in related
    shot(page, artefacts, "12-related")
    page.click("button:has-text('一键合并，开微议事（3 件）')")
    page.wait_for_selector(".msg.success")
    assert "已把 3 件诉求并入新议事" in page.inner_text(".msg.success")
    shot(page, artefacts, "13-gathered-topic")
    updates = kiosk("sync", "--once")["updates"]
    assert updates >= 3                      # each resident hears at the kiosk that it went to 微议事
    ctx.close()
