"""The resident's journeys through the real app, by simulated taps only."""

from __future__ import annotations

import pytest

from tests.ui import find


def _new_items(outbox, before: set[str]) -> list[dict]:
    return [i for i in outbox.items() if i["uuid"] not in before]


def test_request_by_taps_only_is_queued_exactly_once(ui, artefacts):
    app, outbox = ui.app, ui.app.services.outbox
    before = {i["uuid"] for i in outbox.items()}
    find.tap(ui, "我要求助")
    assert app.sm.current == "categories"
    find.tap(ui, "代充燃气")
    assert app.sm.current == "contact"
    assert app.t("contact.consent") in app.services.speaker.last      # the consent line is read aloud
    for choice in ("大爷", "3号楼", "2单元", "4楼", "402室"):
        find.tap(ui, choice)
    find.type_digits(ui, "13800001111")
    find.tap(ui, "确定")
    assert app.sm.current == "confirm"
    shown = find.texts(app.sm.current_screen)
    assert "大爷" in shown and "3号楼2单元402室" in shown and "13800001111" in shown and "代充燃气" in shown
    said = app.services.speaker.last                                    # read back in one sentence, in words
    assert "代充燃气" in said and "大爷" in said and not any(c.isdigit() for c in said)
    assert len(_new_items(outbox, before)) == 0          # nothing queued before 确认提交
    find.tap(ui, "确认提交")
    assert app.sm.current == "receipt"
    new = _new_items(outbox, before)
    assert len(new) == 1
    item = new[0]
    assert item["category"] == "gas_recharge" and item["receipt"] == app.receipt
    assert app.receipt.startswith(app.services.config["post"]["code"] + "-")
    payload = outbox.personal_data(item["uuid"])
    assert {k: payload[k] for k in ("name", "building", "unit", "room", "phone", "channel")} == {
        "name": "大爷", "building": "3号楼", "unit": "2单元", "room": "402", "phone": "13800001111",
        "channel": "touch"}
    # The code is shown in huge digits and spoken twice, digit by digit in Chinese.
    digits = app.receipt[-4:]
    assert " ".join(digits) in find.texts(app.sm.current_screen)
    spoken = app.services.speaker.last
    words = " ".join("零一二三四五六七八九"[int(d)] for d in digits)
    assert spoken.count(words) == 2
    assert not any(c.isascii() and c.isalnum() for c in spoken)   # nothing for espeak-ng to spell out
    find.tap(ui, "我记住了")
    assert app.sm.current == "home" and app.receipt == "" and not app.draft["category"]


def test_a_request_needs_a_way_to_reach_the_resident(ui):
    app, outbox = ui.app, ui.app.services.outbox
    before = {i["uuid"] for i in outbox.items()}
    find.tap(ui, "我要求助")
    find.tap(ui, "陪同就医")
    find.tap(ui, "跳过")              # no name
    ui.pump(app.debounce_ms / 1000)  # the same button: wait out the touch debounce like a person
    find.tap(ui, "跳过")              # no address
    find.tap(ui, "确定")              # no phone either
    assert app.sm.current == "contact"
    assert "电话" in app.services.speaker.last
    assert _new_items(outbox, before) == []


def test_status_by_receipt_code(ui):
    from kiosk.submit import submit_request

    app, outbox = ui.app, ui.app.services.outbox
    r = submit_request(app.services, category="home_repair", room="101", building="1号楼", phone="13900002222")
    outbox.apply_updates([{"uuid": r["uuid"], "state": "assigned", "public_note": "预计明天上午上门"}], outbox.cursor)
    find.tap(ui, "查进度")
    assert app.sm.current == "status"
    find.type_digits(ui, r["receipt"][-4:])
    find.tap(ui, "确定")
    shown = find.texts(app.sm.current_screen)
    assert "上门维修" in shown and "已派给志愿者" in shown and "预计明天上午上门" in shown
    assert "已派给志愿者，预计明天上午上门" in app.services.speaker.last.replace("。", "，")


def test_status_of_an_unknown_code_says_so(ui):
    app = ui.app
    find.tap(ui, "查进度")
    codes = {i["receipt"] for i in app.services.outbox.items()}
    unknown = next(f"{n:04d}" for n in range(10_000) if f"{app.services.config['post']['code']}-{n:04d}" not in codes)
    find.type_digits(ui, unknown)
    find.tap(ui, "确定")
    assert app.services.speaker.last == app.t("status.not_found")


def test_trembling_double_tap_counts_once(ui):
    app = ui.app
    find.tap(ui, "查进度")
    keypad = app.sm.current_screen.ids.keypad
    five = find.button(app.sm.current_screen, "5")
    ui.tap(five, hold=0.02)
    ui.tap(five, hold=0.02)          # within the debounce: a tremble, not a second 5
    assert keypad.value == "5"
    ui.pump(app.debounce_ms / 1000 + 0.05)
    ui.tap(five)
    assert keypad.value == "55"


def test_quick_typing_keeps_a_key_pressed_again_after_another(ui):
    app = ui.app
    find.tap(ui, "查进度")
    keypad = app.sm.current_screen.ids.keypad
    screen = app.sm.current_screen
    for d in "3183":                  # no pause: the second 3 follows other keys, so it is no tremble
        ui.tap(find.button(screen, d), hold=0.02)
    assert keypad.value == "3183"


class FakeClock:
    """The App's idle clock, driven by the test: no sleeping, and the App's own 1 s tick sees the same time."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_idle_warns_then_resets_and_forgets(ui, artefacts, monkeypatch):
    app = ui.app
    idle = app.services.config["kiosk"]
    find.tap(ui, "我要求助")
    find.tap(ui, "上门送餐")
    find.tap(ui, "大妈")
    find.tap(ui, "2号楼")
    assert app.draft["name"] == "大妈" and app.draft["building"] == "2号楼"
    clock = FakeClock(app.last_touch)
    monkeypatch.setattr(app, "monotonic", clock)
    start = app.last_touch
    limit = idle["request_idle_s"]
    assert limit >= 180 and app.idle_limit() == limit          # three minutes at least in mid-request
    clock.now = start + idle["idle_timeout_s"]                  # home's limit: a request is not warned yet
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.05)
    assert not app.idle_warning
    clock.now = start + limit - 1
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.05)
    assert not app.idle_warning
    clock.now = start + limit
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.1)
    assert app.idle_warning and app.idle_overlay.parent is not None
    from kivy.uix.modalview import ModalView

    assert not any(isinstance(w, ModalView) for w in app.root_window.children)   # a banner, not a modal
    assert app.services.speaker.last == app.t("idle.warning_request")
    assert "求助还没有提交" in find.texts(app.idle_overlay)
    ui.screenshot(artefacts / "screens" / "idle_banner_request.png")
    assert app.sm.current == "contact"          # the step is still drawn under the banner
    assert idle["idle_warning_s"] >= 20
    clock.now = start + limit + idle["idle_warning_s"] - 1
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.05)
    assert app.sm.current == "contact" and app.draft["name"] == "大妈"     # still warning, nothing lost
    clock.now = start + limit + idle["idle_warning_s"]
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.1)
    assert app.sm.current == "home" and not app.idle_warning and app.idle_overlay.parent is None
    assert all(not app.draft[k] for k in ("category", "name", "building", "unit", "room", "phone"))
    monkeypatch.undo()
    app.last_touch = app.monotonic()
    find.tap(ui, "我要求助")
    find.tap(ui, "上门送餐")
    assert app.sm.current_screen.step == "name"           # the next resident starts afresh


def test_continue_on_the_banner_keeps_the_half_entered_request(ui, monkeypatch):
    app = ui.app
    find.tap(ui, "我要求助")
    find.tap(ui, "上门送餐")
    find.tap(ui, "大妈")
    clock = FakeClock(app.last_touch)
    monkeypatch.setattr(app, "monotonic", clock)
    clock.now = app.last_touch + app.services.config["kiosk"]["request_idle_s"]
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.1)
    assert app.idle_warning
    find.tap(ui, "继续", root=app.idle_overlay)
    assert not app.idle_warning and app.idle_overlay.parent is None
    assert app.sm.current == "contact" and app.sm.current_screen.step == "building" and app.draft["name"] == "大妈"
    clock.now += app.services.config["kiosk"]["request_idle_s"] - 1
    app.check_idle()   # what the 1 s tick does, at the driven time
    ui.pump(0.05)
    assert not app.idle_warning                 # 继续 started the full time again
    monkeypatch.undo()
    app.home()


def test_continue_keeps_the_session(ui, monkeypatch):
    app = ui.app
    find.tap(ui, "查进度")
    find.type_digits(ui, "12")
    clock = FakeClock(app.last_touch)
    monkeypatch.setattr(app, "monotonic", clock)
    assert app.idle_limit() == app.services.config["kiosk"]["idle_timeout_s"]   # no request: sooner
    clock.now = app.last_touch + app.idle_limit()
    app.check_idle()
    ui.pump(0.1)
    assert app.idle_warning
    find.tap(ui, "继续", root=app.idle_overlay)
    assert not app.idle_warning and app.idle_overlay.parent is None
    assert app.sm.current == "status" and app.sm.current_screen.ids.keypad.value == "12"


def _long_press_corner(ui, seconds: float) -> None:
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(5, Window.height - 5)
    touch.touch_down()
    ui.pump(seconds)
    touch.touch_up()
    ui.pump(0.1)


def test_admin_needs_long_press_and_pin(ui):
    from kiosk.app import ADMIN_HOLD_S

    app = ui.app
    _long_press_corner(ui, 0.3)                  # a short touch on the corner does nothing
    assert app.sm.current == "home"
    _long_press_corner(ui, ADMIN_HOLD_S + 0.3)
    assert app.sm.current == "admin"
    admin = app.sm.current_screen
    assert "待发送" not in find.texts(admin)       # nothing shown before the PIN
    find.type_digits(ui, "1111")
    find.tap(ui, "确定")
    assert app.services.speaker.last == app.t("admin.pin_wrong") and "待发送" not in find.texts(admin)
    find.type_digits(ui, app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    counts = app.services.outbox.counts()
    assert app.t("admin.queue", **counts) in find.texts(admin)
    find.tap(ui, "回首页")
    app.go("admin")
    ui.pump(0.1)
    assert "待发送" not in find.texts(app.sm.current_screen)   # the PIN is asked again every time


@pytest.fixture
def admin(ui):
    app = ui.app
    app.go("admin")
    ui.pump(0.1)
    find.type_digits(ui, app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    return app.sm.current_screen


def test_admin_sets_volume_and_rate(ui, admin):
    speaker = ui.app.services.speaker
    find.tap(ui, "声音设置")
    volume, rate = speaker.volume, speaker.rate
    find.tap(ui, "音量大")
    assert speaker.volume == pytest.approx(min(1.0, volume + 0.1))
    find.tap(ui, "音量小")
    ui.pump(ui.app.debounce_ms / 1000)
    find.tap(ui, "音量小")
    assert speaker.volume == pytest.approx(min(1.0, volume + 0.1) - 0.2)
    find.tap(ui, "说慢点")
    assert speaker.rate == rate - 20
    find.tap(ui, "测试喇叭")
    assert speaker.last == ui.app.t("admin.speaker_test")
    find.tap(ui, "返回")
    assert admin.panel == "main"


def test_admin_registers_the_kiosk_in_the_config_file(ui, admin):
    from kiosk import config as kconfig

    find.tap(ui, "登记本机")
    admin.ids.url.text = "http://10.0.0.5:8700"
    admin.ids.token.text = "tok-123"
    find.tap(ui, "保存")
    assert admin.message == ui.app.t("admin.registered")
    saved = kconfig.load(ui.app.services.config.path)
    assert saved["server"]["url"] == "http://10.0.0.5:8700" and saved["server"]["token"] == "tok-123"
    admin.ids.url.text = "not a url"
    ui.pump(ui.app.debounce_ms / 1000)
    find.tap(ui, "保存")
    assert admin.message.startswith("没有保存")
    assert kconfig.load(ui.app.services.config.path)["server"]["url"] == "http://10.0.0.5:8700"


def test_admin_lists_rejected_items_with_the_servers_reason(ui, admin):
    from kiosk.submit import submit_request
    from sync import protocol

    app, outbox = ui.app, ui.app.services.outbox
    r = submit_request(app.services, category="sanitation", phone="13600005555")
    outbox.record_results([{"uuid": r["uuid"], "status": protocol.REJECTED, "reason": "该驿站已停用"}])
    admin.refresh()
    ui.pump(0.1)
    shown = find.texts(admin)
    assert "环境卫生" in shown and "该驿站已停用" in shown and r["receipt"] in shown
    assert app.t("admin.queue", **outbox.counts()) in shown


def test_admin_voice_panel_shows_health_and_tests_the_microphone(ui, admin):
    app = ui.app
    find.tap(ui, "语音状态")
    health = app.services.voice_health()
    shown = find.texts(admin)
    from screens.admin import plain

    for key in ("microphone", "model", "tts"):
        state = "正常" if health[key] == "ok" else plain(health[key])
        assert app.t(f"admin.voice_{key}", state=state) in shown
        assert "/tmp" not in shown   # no file paths for the cadre
    find.tap(ui, "话筒测试")
    assert admin.message and admin.message == app.services.speaker.last
    assert any("\u4e00" <= c <= "\u9fff" for c in admin.message)   # a sentence in Chinese, not a traceback
