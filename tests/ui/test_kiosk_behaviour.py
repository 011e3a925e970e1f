"""Kiosk behaviour: the window Kivy is told to open, Escape, and sizes that hold in millimetres."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_full_screen_kiosk_settings_reach_kivy_before_it_starts(tmp_path):
    code = (
        "import json, pathlib; from kiosk import kivyenv;"
        f"kivyenv.prepare(pathlib.Path({str(tmp_path)!r}), fullscreen=True, size=(1366, 768));"
        "from kivy.config import Config as C;"
        "print(json.dumps({k: C.get(s, k) for s, k in [('graphics','fullscreen'), ('graphics','show_cursor'),"
        "('graphics','allow_screensaver'), ('kivy','exit_on_escape'), ('input','mouse'), ('graphics','width'),"
        "('graphics','height'), ('graphics','borderless')]}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"fullscreen": "auto", "show_cursor": "0", "allow_screensaver": "0", "exit_on_escape": "0",
                   "mouse": "mouse,disable_multitouch", "width": "1366", "height": "768", "borderless": "1"}


def test_escape_does_not_leave_the_kiosk(ui):
    from kivy.base import EventLoop
    from kivy.core.window import Window

    app = ui.app
    app.go("status")
    ui.pump(0.05)
    before = EventLoop.status
    Window.dispatch("on_keyboard", 27, 41, None, [])
    Window.dispatch("on_key_down", 27, 41, None, [])
    ui.pump(0.1)
    assert EventLoop.status == before != "stopped"   # Kivy's default on Escape is stopTouchApp()
    assert app.root is not None and app.sm.current == "status"


def test_sizes_hold_in_millimetres_on_15_6_and_21_5_inch_screens():
    from screens import theme

    def mm(ref_px: float, screen, inches: float) -> float:
        px = ref_px * theme.scale_for(screen, inches)
        return px / ((screen[0] ** 2 + screen[1] ** 2) ** 0.5 / inches) * 25.4

    reference = mm(theme.MIN_TEXT, (1920, 1080), 21.5)
    assert 9.5 < reference < 10.5                     # a 40 px letter is about 10 mm tall
    for screen, inches in (((1920, 1080), 15.6), ((1366, 768), 15.6), ((1920, 1080), 21.5)):
        assert abs(mm(theme.MIN_TEXT, screen, inches) - reference) < 0.01
        assert abs(mm(theme.MIN_TARGET, screen, inches) - mm(theme.MIN_TARGET, (1920, 1080), 21.5)) < 0.01
    # A smaller window than the configured screen (trying it on a desktop) is a miniature of it.
    assert theme.scale_for((1920, 1080), 21.5, (960, 540)) == 0.5


def test_services_are_declared_typed_and_built_by_the_wiring(ui):
    """Every part a screen uses is a typed field of Services, built once by kiosk.wiring (no services.extra)."""
    import dataclasses
    import typing

    from kiosk.printer import SlipPrinter
    from kiosk.wiring import Services
    from screens.lesson_session import LessonService
    from sync.client import SyncWorker
    from sync.learned import LearnedPhrases
    from sync.outbox import Outbox
    from voice.microphone import Microphone
    from voice.recognizer import Recognizer
    from voice.tts import Speaker

    parts = {"Speaker": Speaker, "Microphone": Microphone, "Recognizer": Recognizer, "Outbox": Outbox,
             "SyncWorker": SyncWorker, "LessonService": LessonService,
             "SlipPrinter": SlipPrinter, "LearnedPhrases": LearnedPhrases}   # imported for type checking only there
    hints = typing.get_type_hints(Services, localns=parts)
    assert hints["speaker"] is Speaker
    assert hints["microphone"] == Microphone | None and hints["recognizer"] == Recognizer | None
    assert hints["outbox"] == Outbox | None and hints["sync"] == SyncWorker | None
    assert hints["lessons"] == LessonService | None and hints["printer"] == SlipPrinter | None
    assert hints["learned"] == LearnedPhrases | None
    assert "extra" not in {f.name for f in dataclasses.fields(Services)}
    s = ui.app.services
    assert isinstance(s.lessons, LessonService) and s.lessons.services is s
    assert isinstance(s.outbox, Outbox) and isinstance(s.sync, SyncWorker)


def test_screen_hooks_are_declared_on_the_base_screen(ui):
    """The App calls idle_reset and back_step() on every screen: the base declares them, screens override."""
    from screens.widgets import KioskScreen

    screens = [ui.app.screen(name) for name in ui.app.sm.screen_names]
    assert len(screens) == 11 and all(isinstance(s, KioskScreen) for s in screens)
    assert not hasattr(KioskScreen, "idle_exempt")
    assert ui.app.screen("home").idle_reset is True and ui.app.screen("home").back_step() is False
    assert ui.app.screen("class").idle_reset is False


def test_the_idle_banner_is_laid_out_in_the_frame_it_is_shown(ui):
    """The banner is added straight to the Window, where no screen's layout lays it out: show() does it, so even a
    banner never laid out before is not drawn with 100x100 children piled in a corner in its first frame (the
    state audit read such a frame once and found the 👍 'not drawn')."""
    from kivy.uix.label import Label

    from screens.idle import IdleBanner
    from screens.widgets import BigButton
    from tests.ui import find

    app = ui.app
    app.go("status")
    ui.pump(0.1)
    banner = IdleBanner()        # fresh: no frame has laid it out yet
    banner.show(request=True)    # and none in between
    try:
        def inside(w):
            x0, y0 = w.to_window(*w.pos)
            return (banner.x - 0.5 <= x0 and x0 + w.width <= banner.right + 0.5
                    and banner.y - 0.5 <= y0 and y0 + w.height <= banner.top + 0.5)

        assert banner.width == pytest.approx(app.rp(1920)) and banner.top == pytest.approx(ui.app.root.height)
        button = next(w for w in find.walk(banner) if isinstance(w, BigButton))
        assert button.width == pytest.approx(app.rp(480)) and inside(button)
        assert button.height > app.rp(200)          # the banner's height less its padding, not the default 100
        labels = [w for w in find.walk(banner) if isinstance(w, Label) and w.text]
        assert len(labels) >= 4 and all(inside(w) and w.texture_size[0] > 0 for w in labels)
        drawn = [tuple(w.texture_size) for w in labels]
        for w in labels:
            w.texture_update()
        assert drawn == [tuple(w.texture_size) for w in labels]   # already drawn with its present words
    finally:
        banner.hide()
        app.home()
