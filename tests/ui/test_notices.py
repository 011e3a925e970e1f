"""Errors, warnings and success each have their own colour, pictograph and words, the same on every screen:
"没找到" is drawn in the error colour with ✖, never green like 已受理 (issue 13.5). Checked on the window's pixels."""

from __future__ import annotations

from screens import theme
from tests.ui import find
from tests.ui.test_voice_flow import spoken_wav  # noqa: F401  (fixture: a real recording)


def _colour_pixels(ui, widget, hex_colour: str) -> int:
    """How many pixels inside `widget` are (nearly) exactly `hex_colour`."""
    w, h, px = ui.pixels()
    want = [round(c * 255) for c in theme.rgba(hex_colour)[:3]]
    x0, y0 = (int(v) for v in widget.to_window(*widget.pos))
    n = 0
    for y in range(max(0, y0), min(h, y0 + int(widget.height)), 2):
        row = y * w * 4
        for x in range(max(0, x0), min(w, x0 + int(widget.width)), 2):
            i = row + x * 4
            if all(abs(px[i + k] - want[k]) <= 6 for k in range(3)):
                n += 1
    return n


def _notice(screen):
    from screens.widgets import Notice

    shown = [w for w in find.walk(screen) if isinstance(w, Notice) and w.text]
    assert len(shown) == 1
    return shown[0]


def test_the_three_kinds_differ_and_are_readable():
    colours = [c for c, _ in theme.NOTICE.values()]
    icons = [i for _, i in theme.NOTICE.values()]
    assert len(set(colours)) == 3 and len(set(icons)) == 3
    for c in colours:
        assert theme.contrast(theme.rgba(c), theme.rgba(theme.BG)) >= theme.MIN_CONTRAST


def test_status_not_found_is_an_error_and_found_is_success(ui, artefacts):
    from kiosk.submit import submit_request

    app = ui.app
    receipt = submit_request(app.services, category="shopping", room="301")["receipt"]
    app.go("status")
    find.type_digits(ui, "0000" if not receipt.endswith("0000") else "0001")
    find.tap(ui, "确定")
    screen = app.sm.current_screen
    notice = _notice(screen)
    assert notice.kind == "error" and "没有找到" in notice.text
    err, ok = theme.NOTICE["error"][0], theme.NOTICE["ok"][0]
    assert _colour_pixels(ui, notice, err) > 200 and _colour_pixels(ui, notice, ok) == 0
    ui.screenshot(artefacts / "screens" / "status_not_found.png")
    for _ in range(4):
        ui.pump(app.debounce_ms / 1000 + 0.05)
        find.tap(ui, "删除")
    find.type_digits(ui, receipt[-4:])
    find.tap(ui, "确定")
    notice = _notice(screen)
    assert notice.kind == "ok"
    assert _colour_pixels(ui, notice, ok) > 200 and _colour_pixels(ui, notice, err) == 0
    ui.screenshot(artefacts / "screens" / "status_found.png")
    ui.pump(app.debounce_ms / 1000 + 0.05)
    find.tap(ui, "删除")
    find.tap(ui, "确定")
    assert _notice(screen).kind == "warn"
    app.home()


def test_the_lesson_screen_without_a_lesson_shows_a_safe_page(ui, artefacts):
    app = ui.app
    svc = app.services.lessons
    svc.current = None               # e.g. a stale history entry after a reset
    app.go("lesson")
    ui.pump(0.1)
    screen = app.sm.current_screen
    assert screen.name == "lesson" and screen.missing
    assert app.services.speaker.last and "还没有选课" in app.services.speaker.last
    assert _notice(screen).kind == "warn"
    ui.screenshot(artefacts / "screens" / "lesson_without_lesson.png")
    from tests.audit import audit_screen

    assert audit_screen(ui, screen) == []
    find.tap(ui, "返回")
    assert app.sm.current != "lesson"
    app.home()


def test_the_voice_screen_says_its_problems_with_the_same_notice(ui, spoken_wav, monkeypatch, artefacts):  # noqa: F811
    """按住说话: cannot listen at all is an error (✖, error colour), not heard a warning (⚠), and a question
    the kiosk asks is no notice at all; none of them in the old red headline."""
    from screens.widgets import Notice
    from tests.ui.test_voice_flow import speak
    from voice.microphone import FileMicrophone, SoundDeviceMicrophone
    from voice.recognizer import TranscriptRecognizer

    app = ui.app
    rec = TranscriptRecognizer()
    monkeypatch.setattr(app.services, "microphone", SoundDeviceMicrophone("no such microphone"), raising=False)
    monkeypatch.setattr(app.services, "recognizer", rec, raising=False)
    app.go("voice")
    ui.pump(0.15)
    screen = app.sm.current_screen
    notice = _notice(screen)
    err, warn, ok = (theme.NOTICE[k][0] for k in ("error", "warn", "ok"))
    assert notice.kind == "error" and theme.NOTICE["error"][1] in find.texts(notice)
    assert _colour_pixels(ui, notice, err) > 200 and _colour_pixels(ui, notice, ok) == 0
    assert not screen.ids.headline.text and _colour_pixels(ui, screen.ids.detail, err) == 0   # no other red words
    ui.screenshot(artefacts / "screens" / "voice_unavailable_notice.png")
    app.home()
    monkeypatch.setattr(app.services, "microphone", FileMicrophone(spoken_wav), raising=False)
    app.go("voice")
    ui.pump(0.1)
    assert not [w for w in find.walk(screen) if isinstance(w, Notice) and w.text]   # ready: nothing wrong
    speak(ui, rec, "现在 几点 了")
    notice = _notice(screen)
    assert screen.state == "retry" and notice.kind == "warn" and notice.text == screen.headline
    assert _colour_pixels(ui, notice, warn) > 200 and _colour_pixels(ui, notice, err) == 0
    ui.screenshot(artefacts / "screens" / "voice_retry_notice.png")
    speak(ui, rec, "帮 我 买 点 菜")
    assert screen.state == "confirm"
    assert not [w for w in find.walk(screen) if isinstance(w, Notice) and w.text]
    app.home()
