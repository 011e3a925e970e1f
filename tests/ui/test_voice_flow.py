"""The voice journey in the real app, headless: press 按住说话, 'speak' through a file-backed
microphone (real espeak-ng Mandarin, 48 kHz, through the real capture path), confirm, request queued.

No Chinese Vosk model can be installed here, so the recogniser is the transcript double at the
Recognizer interface (real decoding is proven on the Korean model in tests/voice/test_vosk_korean.py).
"""

from __future__ import annotations

import subprocess

import pytest

from tests.ui import find
from voice.microphone import FileMicrophone, SoundDeviceMicrophone
from voice.recognizer import TranscriptRecognizer


def tap_voice(ui) -> None:
    """Home shows 按住说话 only when voice can work: look again after the test put its microphone in."""
    ui.app.screen("home").check_voice()
    ui.pump(0.05)
    find.tap(ui, "按住说话")


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory):
    d = tmp_path_factory.mktemp("voice-ui")
    raw, wav = d / "raw.wav", d / "gas.wav"
    subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-w", str(raw), "我家天然气快没了，帮我充一下"], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", str(wav)], check=True)
    return wav


@pytest.fixture
def voice(ui, spoken_wav, monkeypatch):
    rec = TranscriptRecognizer()
    monkeypatch.setattr(ui.app.services, "microphone", FileMicrophone(spoken_wav), raising=False)
    monkeypatch.setattr(ui.app.services, "recognizer", rec, raising=False)
    tap_voice(ui)
    assert ui.app.sm.current == "voice"
    return rec


def speak(ui, rec, transcript: str) -> None:
    """Hold the talk button while the microphone plays the recording; the recogniser 'hears' `transcript`."""
    from kivy.tests.common import UnitTestTouch

    screen = ui.app.sm.get_screen("voice")
    rec.say_next(transcript)
    ui.pump(ui.app.debounce_ms / 1000 + 0.05)   # a second press right after the first counts once (debounce)
    talk = screen.ids.talk
    x, y = talk.to_window(*talk.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    for _ in range(200):            # the listening thread reports back through the Kivy clock
        ui.pump(0.02)
        if screen.state != "listening":
            break
    touch.touch_up()
    ui.pump(0.1)
    assert screen.state != "listening"
    assert rec.fed_bytes > 16000 * 2   # more than a second of resampled speech reached the recogniser


def test_spoken_request_is_confirmed_then_queued(ui, voice, artefacts):
    app, outbox, speaker = ui.app, ui.app.services.outbox, ui.app.services.speaker
    screen = app.sm.get_screen("voice")
    ui.screenshot(artefacts / "screens" / "voice_ready.png")
    before = {i["uuid"] for i in outbox.items()}
    speak(ui, voice, "我 家 天然 气 快 没 了 帮 我 充 一下")
    assert screen.state == "confirm"
    shown = find.texts(screen)
    assert "您是要代充燃气吗？" in shown and "我家天然气快没了帮我充一下" in shown
    assert speaker.last.startswith("您是要代充燃气吗？")
    assert len([i for i in outbox.items() if i["uuid"] not in before]) == 0   # nothing before 是
    ui.screenshot(artefacts / "screens" / "voice_confirm.png")
    from tests.audit import audit_screen

    assert audit_screen(ui, "voice") == []
    find.tap(ui, "是")
    assert app.sm.current == "contact"
    assert app.draft["category"] == "gas_recharge" and app.draft["channel"] == "voice"
    for choice in ("大爷", "3号楼", "2单元", "4楼", "402室"):
        find.tap(ui, choice)
    find.type_digits(ui, "13900002222")
    find.tap(ui, "确定")
    find.tap(ui, "确认提交")
    assert app.sm.current == "receipt"
    new = [i for i in outbox.items() if i["uuid"] not in before]
    assert len(new) == 1 and new[0]["category"] == "gas_recharge"
    data = outbox.personal_data(new[0]["uuid"])
    assert data["channel"] == "voice" and "天然气" in data["text"]


def test_yes_and_no_by_voice(ui, voice):
    app, screen = ui.app, ui.app.sm.get_screen("voice")
    speak(ui, voice, "帮 我 买 点 菜")
    assert screen.state == "confirm" and "代买物品" in screen.headline
    speak(ui, voice, "不 是")
    assert screen.state == "retry" and screen.failures == 1
    speak(ui, voice, "我 要 去 医院 看病 没 人 陪")
    assert screen.state == "confirm" and "陪同就医" in screen.headline
    speak(ui, voice, "对 的")
    assert app.sm.current == "contact" and app.draft["category"] == "medical_escort"
    assert app.draft["transcript"] == "我要去医院看病没人陪"


def test_two_failures_offer_the_category_buttons(ui, voice, artefacts):
    app, screen = ui.app, ui.app.sm.get_screen("voice")
    speak(ui, voice, "现在 几点 了")
    assert screen.state == "retry" and app.services.speaker.last.startswith("对不起，没听清楚")
    speak(ui, voice, "你好")
    assert screen.state == "fallback"
    ui.screenshot(artefacts / "screens" / "voice_fallback.png")
    from tests.audit import audit_screen

    assert audit_screen(ui, "voice") == []
    find.tap(ui, "点这里选择")
    assert app.sm.current == "categories"


def test_without_a_microphone_home_has_three_tiles_and_four_when_one_is_plugged_in(ui, spoken_wav, monkeypatch,
                                                                                  artefacts):
    home = ui.app.screen("home")
    monkeypatch.setattr(ui.app.services, "microphone", SoundDeviceMicrophone("no such microphone"), raising=False)
    monkeypatch.setattr(ui.app.services, "recognizer", TranscriptRecognizer(), raising=False)
    home.check_voice()
    ui.pump(0.1)
    tiles = [w for w in find.walk(home.ids.grid) if w.__class__.__name__ == "Tile"]
    assert [t.text for t in tiles][::-1] == ["我要求助", "学用手机", "查进度"]   # no dead end on home
    assert home.ids.grid.cols == 3 and "按住说话" not in home.narration()
    assert all(t.width > ui.app.rp(400) for t in tiles)
    ui.screenshot(artefacts / "screens" / "home_three_tiles.png")
    # the admin screen says why
    ui.app.go("admin")
    find.type_digits(ui, ui.app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    assert "首页没有按住说话：没有找到麦克风" in find.texts(ui.app.sm.current_screen)
    ui.screenshot(artefacts / "screens" / "admin_voice_unusable.png")
    ui.app.home()
    # a microphone is plugged in: within one check home has four tiles again
    monkeypatch.setattr(ui.app.services, "microphone", FileMicrophone(spoken_wav), raising=False)
    home.check_voice()
    ui.pump(0.1)
    assert "按住说话" in [t.text for t in find.walk(home.ids.grid) if t.__class__.__name__ == "Tile"]
    assert home.ids.grid.cols == 2
    ui.screenshot(artefacts / "screens" / "home_four_tiles.png")


def test_a_microphone_lost_while_on_the_voice_screen_says_so_and_offers_touch(ui, monkeypatch, artefacts):
    monkeypatch.setattr(ui.app.services, "microphone", SoundDeviceMicrophone("no such microphone"), raising=False)
    monkeypatch.setattr(ui.app.services, "recognizer", TranscriptRecognizer(), raising=False)
    ui.app.go("voice")
    ui.pump(0.1)
    screen = ui.app.sm.get_screen("voice")
    assert screen.state == "unavailable"
    assert "没有找到麦克风" in find.texts(screen) and "没有找到麦克风" in ui.app.services.speaker.last
    ui.screenshot(artefacts / "screens" / "voice_no_microphone.png")
    find.tap(ui, "点这里选择")
    assert ui.app.sm.current == "categories"
    health = ui.app.services.voice_health()
    assert set(health) == {"microphone", "model", "tts"} and health["microphone"] != "ok"


class SlowModel(TranscriptRecognizer):
    """A recogniser whose model is still loading in the background."""

    ready = False
    error = None

    @property
    def health(self):
        return "ok" if self.ready else "语音模型正在加载，请稍等。"


def test_while_the_model_loads_touch_works_and_the_screen_turns_ready(ui, spoken_wav, monkeypatch):
    rec = SlowModel()
    monkeypatch.setattr(ui.app.services, "microphone", FileMicrophone(spoken_wav), raising=False)
    monkeypatch.setattr(ui.app.services, "recognizer", rec, raising=False)
    tap_voice(ui)
    screen = ui.app.sm.get_screen("voice")
    assert screen.state == "loading" and "点这里选择" in find.texts(screen)
    rec.ready = True                 # the background load finishes
    for _ in range(100):
        ui.pump(0.05)
        if screen.state == "ready":
            break
    assert screen.state == "ready"
    assert ui.app.services.speaker.last.startswith("请按住下面的大按钮")


def test_saying_where_to_go_instead_of_a_request(ui, voice):
    speak(ui, voice, "查 进度")
    assert ui.app.sm.current == "status"
    ui.app.home()
    ui.pump(0.1)
    tap_voice(ui)
    speak(ui, voice, "回 首页")
    assert ui.app.sm.current == "home"


def test_letting_go_of_the_button_ends_the_recording(ui, spoken_wav, monkeypatch, artefacts):
    """A live-paced microphone: the resident holds for about a second and lets go mid-sentence."""
    from kivy.tests.common import UnitTestTouch

    rec = TranscriptRecognizer("我家天然气")
    monkeypatch.setattr(ui.app.services, "microphone", FileMicrophone(spoken_wav, realtime=True), raising=False)
    monkeypatch.setattr(ui.app.services, "recognizer", rec, raising=False)
    tap_voice(ui)
    screen = ui.app.sm.get_screen("voice")
    talk = screen.ids.talk
    touch = UnitTestTouch(*talk.to_window(*talk.center))
    touch.touch_down()
    ui.pump(1.2)                     # held while speaking ...
    assert screen.state == "listening" and "正在听" in find.texts(screen)
    ui.screenshot(artefacts / "screens" / "voice_listening.png")
    touch.touch_up()                 # ... and let go before the sentence is over
    for _ in range(100):
        ui.pump(0.05)
        if screen.state != "listening":
            break
    assert screen.state == "confirm" and "代充燃气" in screen.headline
    assert rec.fed_bytes / 2 / 16000 < 1.6   # only what was said while the button was held


def test_a_near_tie_is_one_question_with_two_big_buttons(ui, voice, artefacts):
    app, screen = ui.app, ui.app.sm.get_screen("voice")
    speak(ui, voice, "煤气 没有 了 做 不成 饭 了")
    assert screen.state == "ask"
    shown = find.texts(screen)
    assert "代充燃气" in shown and "上门送餐" in shown
    assert any(t in shown for t in ("您是要代充燃气，还是上门送餐？", "您是要上门送餐，还是代充燃气？"))
    assert app.services.speaker.last.startswith(screen.headline)
    ui.screenshot(artefacts / "screens" / "voice_ask.png")
    from tests.audit import audit_screen

    assert audit_screen(ui, "voice") == []
    find.tap(ui, "上门送餐")
    assert app.sm.current == "contact" and app.draft["category"] == "meal_delivery"
    assert app.draft["transcript"] == "煤气没有了做不成饭了"


def test_two_requests_in_one_sentence_the_second_is_offered_when_back(ui, voice):
    app, screen = ui.app, ui.app.sm.get_screen("voice")
    speak(ui, voice, "帮 我 充 一下 燃气 还有 帮 我 买 点 菜")
    assert screen.state == "confirm" and screen.headline == "您是要代充燃气吗？"
    assert "代买物品" in app.services.speaker.last
    find.tap(ui, "是")
    assert app.sm.current == "contact" and app.draft["category"] == "gas_recharge"
    app.home()
    ui.pump(0.1)
    tap_voice(ui)
    assert screen.state == "confirm" and screen.headline == "您还要代买物品吗？"
    find.tap(ui, "是")
    assert app.sm.current == "contact" and app.draft["category"] == "shopping"
