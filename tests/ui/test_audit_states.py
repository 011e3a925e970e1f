"""Every state a resident or teacher can reach, audited on the rendered window (sizes, contrast, choices, gaps),
on both kiosk screens (21.5" and 15.6" 1080p), with a screenshot each in artefacts/screens/states-<inches>/.
Each screen declares its states (KioskScreen.STATES); the last assertion fails when a registered screen or state
was not audited here (issue 13.10).

One Kivy window per process: the walk for the screen this process was started with (KIOSK_TEST_SCREEN, 21.5"
by default) runs here, the other one in a pytest subprocess. The practice-pay QR and its outcomes come from
the real server (a one-time token per practice, expired by moving its expiry into the past).
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from screens import SCREENS
from tests.audit import audit_screen
from tests.ui import find
from tests.ui.test_voice_flow import SlowModel, spoken_wav  # noqa: F401  (fixture: a real recording)

SIZES = {"21.5": "1920x1080@21.5", "15.6": "1920x1080@15.6"}
HERE = os.environ.get("KIOSK_TEST_SCREEN", SIZES["21.5"])


class Auditor:
    def __init__(self, ui, folder: Path):
        self.ui, self.folder = ui, folder
        self.done: set[tuple[str, str]] = set()
        self.problems: list[str] = []

    def __call__(self, screen: str, state: str, widget=None, shot: str | None = None) -> None:
        self.ui.pump(0.12)
        self.ui.screenshot(self.folder / f"{shot or f'{screen}-{state}'}.png")
        target = widget if widget is not None else self.ui.app.sm.current_screen
        assert widget is not None or self.ui.app.sm.current == screen, (screen, self.ui.app.sm.current)
        self.problems += [f"[{screen}:{shot or state}] {p}" for p in audit_screen(self.ui, target)]
        self.done.add((screen, state))


def _registered() -> set[tuple[str, str]]:
    wanted = set()
    for name, module, cls in SCREENS:
        wanted |= {(name, s) for s in getattr(importlib.import_module(module), cls).STATES}
    from screens.idle import IdleBanner

    return wanted | {("idle", s) for s in IdleBanner.STATES}


def _pause(ui):
    ui.pump(ui.app.debounce_ms / 1000 + 0.05)


@pytest.fixture(scope="module")
def practice_server(tmp_path_factory):
    from tests.sync.realserver import running

    with running(tmp_path_factory.mktemp("audit-srv")) as srv:
        yield srv


@pytest.mark.parametrize("inches", sorted(SIZES))
def test_every_registered_screen_state_is_audited(inches, request, artefacts):
    if SIZES[inches] != HERE:   # the other screen: its own process (one Kivy window per process)
        root = Path(__file__).resolve().parents[2]
        env = dict(os.environ, KIOSK_TEST_SCREEN=SIZES[inches])
        p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:logging",
                            "--tb=short", "--show-capture=no", f"{request.node.nodeid}"],
                           cwd=root, env=env, capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, f"{p.stdout[:12000]}\n--- stderr (end) ---\n{p.stderr[-3000:]}"
        return
    ui = request.getfixturevalue("ui")
    monkeypatch = request.getfixturevalue("monkeypatch")
    audit = Auditor(ui, artefacts / "screens" / f"states-{inches}")
    _voice(ui, audit, monkeypatch, request.getfixturevalue("spoken_wav"))
    _request(ui, audit, monkeypatch, request.getfixturevalue("tmp_path"))
    _status(ui, audit)
    _lessons(ui, audit, artefacts / "lessons" / f"steps-{inches}")
    _practice(ui, audit, request.getfixturevalue("practice_server"))
    _class(ui, audit)

    assert audit.problems == [], "\n".join(audit.problems)
    missing = sorted(_registered() - audit.done)
    assert not missing, f"registered states not audited: {missing}"


def _speak(ui, screen, rec, transcript: str, audit=None) -> None:
    """Hold 按住说话 while the (live-paced) microphone plays the recording, then let go."""
    from kivy.tests.common import UnitTestTouch

    rec.say_next(transcript)
    _pause(ui)
    touch = UnitTestTouch(*screen.ids.talk.to_window(*screen.ids.talk.center))
    touch.touch_down()
    ui.pump(0.7)                      # held longer than a tap: letting go ends the utterance
    assert screen.state == "listening"
    if audit is not None:
        audit("voice", "listening")
    touch.touch_up()
    assert ui.wait_until(lambda: screen.state != "listening")


def _voice(ui, audit, monkeypatch, wav) -> None:
    from voice.microphone import FileMicrophone, SoundDeviceMicrophone
    from voice.recognizer import TranscriptRecognizer

    app = ui.app
    home, voice = app.screen("home"), app.screen("voice")
    rec = TranscriptRecognizer()
    monkeypatch.setattr(app.services, "microphone", SoundDeviceMicrophone("no such microphone"), raising=False)
    monkeypatch.setattr(app.services, "recognizer", rec, raising=False)
    home.check_voice()
    audit("home", "three_tiles")
    app.go("voice")
    audit("voice", "unavailable")
    app.home()
    monkeypatch.setattr(app.services, "microphone", FileMicrophone(wav, realtime=True), raising=False)
    monkeypatch.setattr(app.services, "recognizer", SlowModel(), raising=False)
    app.go("voice")
    assert voice.state == "loading"
    audit("voice", "loading")
    app.home()
    monkeypatch.setattr(app.services, "recognizer", rec, raising=False)
    home.check_voice()
    audit("home", "four_tiles")
    find.tap(ui, "按住说话")
    audit("voice", "ready")
    _speak(ui, voice, rec, "我 家 天然 气 快 没 了 帮 我 充 一下", audit)
    assert voice.state == "confirm"
    audit("voice", "confirm")
    _speak(ui, voice, rec, "不 是")
    assert voice.state == "retry"
    audit("voice", "retry")
    _speak(ui, voice, rec, "你好")
    assert voice.state == "fallback"
    audit("voice", "fallback")
    app.home()
    find.tap(ui, "按住说话")
    _speak(ui, voice, rec, "煤气 没有 了 做 不成 饭 了")
    assert voice.state == "ask"
    audit("voice", "ask")
    app.home()


def _request(ui, audit, monkeypatch, tmp_path) -> None:
    """A request by touch: categories' pages, every contact step, confirm, receipt (with and without a printer)."""
    from kiosk.printer import SlipPrinter

    app = ui.app
    find.tap(ui, "我要求助")
    audit("categories", "page_1")
    find.tap(ui, "下一页")
    audit("categories", "page_2")
    find.tap(ui, "留言")
    for step, choice in (("name", "女士"), ("building", "5号楼"), ("unit", "1单元"), ("floor", "3楼"),
                         ("room", "301室")):
        assert app.sm.current_screen.step == step
        audit("contact", step)
        if step == "room":   # the idle banner in the middle of a request
            app.check_idle(now=app.last_touch + app.idle_limit())
            audit("idle", "request", app.idle_overlay)
            app.keep_going()
        find.tap(ui, choice)
    audit("contact", "phone")
    find.type_digits(ui, "0931888")
    find.tap(ui, "确定")
    audit("confirm", "shown")
    find.tap(ui, "确认提交")
    audit("receipt", "shown")
    monkeypatch.setattr(app.services, "printer", SlipPrinter(str(tmp_path / "lp0")))
    app.screen("receipt").on_pre_enter()
    audit("receipt", "with_printer")
    monkeypatch.setattr(app.services, "printer", None)
    app.home()


def _status(ui, audit) -> None:
    """查进度: by code (short, not found, found), then 用电话查 offline."""
    from kiosk.submit import submit_request

    app = ui.app
    r = submit_request(app.services, category="health_service", phone="13900003333", building="1号楼", unit="1单元",
                       room="101")
    find.tap(ui, "查进度")
    status = app.sm.current_screen
    audit("status", "code")
    app.check_idle(now=app.last_touch + app.idle_limit())
    audit("idle", "other", app.idle_overlay)
    app.keep_going()
    find.type_digits(ui, "12")
    find.tap(ui, "确定")
    audit("status", "need_four")
    status.ids.keypad.value = ""
    find.type_digits(ui, "0000" if not r["receipt"].endswith("0000") else "0001")
    find.tap(ui, "确定")
    audit("status", "not_found")
    status.ids.keypad.value = ""
    find.type_digits(ui, r["receipt"][-4:])
    find.tap(ui, "确定")
    audit("status", "found")
    find.tap(ui, "忘了回执号？用电话查")
    audit("status", "find_phone")
    find.type_digits(ui, "3333")
    find.tap(ui, "确定")
    audit("status", "find_building")
    find.tap(ui, "1号楼")
    audit("status", "find_unit")
    find.tap(ui, "1单元")
    audit("status", "find_room")
    find.type_digits(ui, "101")
    find.tap(ui, "确定")
    assert ui.wait_until(lambda: status.mode == "results")
    assert status.found                               # offline: this kiosk's own queued request
    audit("status", "find_results")
    audit("status", "find_offline")                   # the same page: its words say only this kiosk was checked
    app.home()


def _lessons(ui, audit, steps_folder: Path) -> None:
    """Both pages of the list, every step of every lesson (a screenshot each), the end, none chosen, in class.
    Practice steps here are offline: the kiosk says it cannot reach the server (an error Notice)."""
    app = ui.app
    find.tap(ui, "学用手机")
    audit("lessons", "page_1")
    find.tap(ui, "下一页")
    audit("lessons", "page_2")
    svc = app.services.lessons
    for lesson_id, lesson in svc.lessons.items():
        svc.choose(lesson_id)
        app.go("lesson")
        player = app.sm.current_screen
        for i, step in enumerate(lesson.steps):
            if step.practice:
                assert ui.wait_until(lambda p=player: p.status_kind == "error"), player.status_text
                audit("lesson", "practice_failed")
            ui.pump(0.1)
            ui.screenshot(steps_folder / f"{lesson_id}-{i + 1}.png")
            audit.problems += [f"[lesson:{lesson_id}#{i + 1}] {p}" for p in audit_screen(ui, player)]
            player.go_step(1)
        assert player.at_end
        app.home()
    audit.done.add(("lesson", "every_step"))
    svc.choose(next(iter(svc.lessons)))
    app.go("lesson")
    app.sm.current_screen.go_step(99)
    audit("lesson", "end")
    app.home()
    svc.current = None
    app.go("lesson")
    audit("lesson", "missing")
    app.home()


def _practice(ui, audit, server) -> None:
    """The scan-to-pay practice against the real server: the QR, scanned on a phone, paid (success); a fresh
    code that expires (its expiry moved into the past in the server's database, as 15 minutes would)."""
    from kiosk import config as kconfig
    from tests.lessons.test_e2e import phone_pays

    app = ui.app
    svc = app.services.lessons
    saved = svc.config, svc._client
    svc.config = kconfig.parse({"server": {"url": server.url, "token": server.token},
                                "kiosk": {"data_dir": str(app.services.config.data_dir)}})
    svc._client = None
    try:
        svc.choose("scan_pay")
        app.go("lesson")
        player = app.sm.current_screen
        player.go_step(next(i for i, s in enumerate(player.lesson_steps) if s.practice))
        assert ui.wait_until(lambda: player.practice_url)
        audit("lesson", "practice_qr")
        import requests

        assert requests.get(player.practice_url, timeout=10).status_code == 200   # the phone opened it
        assert ui.wait_until(lambda: player.status_text == app.t("lesson.practice_scanned"))
        audit("lesson", "practice_scanned")
        phone_pays(player.practice_url)
        assert ui.wait_until(lambda: player.practice_over)
        audit("lesson", "practice_done")
        _pause(ui)
        find.tap(ui, "再练一次")
        assert ui.wait_until(lambda: player.practice_url and not player.practice_over)
        db = next(server.data.rglob("*.sqlite3"))
        with sqlite3.connect(db) as c:
            assert c.execute("UPDATE lessons_practicetoken SET expires_at = '2000-01-01 00:00:00' "
                             "WHERE completed_at IS NULL").rowcount >= 1
        assert ui.wait_until(lambda: player.practice_over)
        audit("lesson", "practice_expired")
        app.home()
    finally:
        svc.config, svc._client = saved


def _class(ui, audit) -> None:
    """Admin panels; class mode from the admin screen: PIN (typed, wrong), the lesson picker's pages, the roster's
    pages (learners cached on this kiosk; the server is not reachable), nobody ticked, a new learner's door
    (typed), the class's lesson in the player, who learned it."""
    import json

    app = ui.app
    svc = app.services.lessons
    app.go("admin")
    audit("admin", "pin")
    find.type_digits(ui, app.services.config["kiosk"]["admin_pin"])
    find.tap(ui, "确定")
    audit("admin", "main")
    admin = app.sm.current_screen
    for panel in ("sound", "voice", "register", "pair", "servers"):
        admin.show(panel)
        audit("admin", panel)
    admin.show("main")
    find.tap(ui, "老师上课")
    klass = app.sm.current_screen
    audit("class", "pin")
    find.type_digits(ui, "12")
    audit("class", "pin_typed")
    find.tap(ui, "确定")
    assert klass.stage == "pin" and klass.message
    audit("class", "pin_wrong")
    find.type_digits(ui, app.services.config["kiosk"]["teacher_pin"])
    find.tap(ui, "确定")
    assert klass.stage == "lesson"
    audit("class", "lesson")
    find.tap(ui, "下一页")
    audit("class", "lesson_page_2")
    first = next(iter(svc.lessons.values())).title
    while klass.page > 0:
        find.tap(ui, "上一页")
    roster = [{"uuid": f"00000000-0000-4000-8000-00000000010{i}", "name": f"{i + 1}号楼1单元10{i + 1}室",
               "building": f"{i + 1}号楼", "unit": "1单元", "room": f"10{i + 1}"} for i in range(5)]
    svc.dir.mkdir(parents=True, exist_ok=True)
    (svc.dir / "roster.json").write_text(json.dumps(roster, ensure_ascii=False), encoding="utf-8")
    find.tap(ui, first)
    assert klass.stage == "roster"
    assert ui.wait_until(lambda: klass.message)           # the server's roster: not reachable, this kiosk's copy
    audit("class", "roster")
    find.tap(ui, app.t("class.start", count=0))
    assert klass.message == app.t("class.nobody")
    audit("class", "roster_nobody")
    find.tap(ui, "下一页")
    audit("class", "roster_page_2")
    find.tap(ui, "添加新学员")
    audit("class", "building")
    find.tap(ui, "3号楼")
    audit("class", "unit")
    find.tap(ui, "2单元")
    audit("class", "room")
    find.type_digits(ui, "502")
    assert "5 0 2" in find.texts(klass)              # the door typed is on screen before 确定
    audit("class", "room_typed")
    find.tap(ui, "确定")
    find.tap(ui, app.t("class.start", count=1))
    assert app.sm.current == "lesson" and svc.session is not None
    audit("lesson", "in_class")
    app.sm.current_screen.go_step(99)
    find.tap(ui, app.t("lesson.learned"))
    assert app.sm.current == "class" and klass.stage == "results"
    audit("class", "results")
    find.tap(ui, app.t("class.finish"))
    assert svc.session is None
    app.home()
