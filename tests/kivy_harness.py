"""Drive the real KioskApp in this process without App.run(): step the event loop by hand.

One App per test process (Kivy keeps one window), so `kiosk_app` in tests/ui is session-scoped
and each test starts from the home screen.
"""

from __future__ import annotations

import time
from pathlib import Path


class Harness:
    def __init__(self, app):
        from kivy.base import EventLoop

        self.app = app
        self.loop = EventLoop

    def pump(self, seconds: float = 0.05, min_frames: int = 4) -> None:
        """Run the event loop for `seconds` and at least `min_frames` frames: on a loaded machine a few
        seconds may pass in one frame, and a just-opened view needs more than one to lay itself out."""
        end = time.monotonic() + seconds
        frames = 0
        while True:
            self.loop.idle()
            frames += 1
            if frames >= min_frames and time.monotonic() >= end:
                break
            time.sleep(0.005)

    def wait_until(self, predicate, seconds: float = 30.0) -> bool:
        """Pump frames until predicate() holds (a server's answer, a thread's result) or `seconds` pass."""
        end = time.monotonic() + seconds
        while not predicate() and time.monotonic() < end:
            self.pump(0.05)
        return bool(predicate())

    def tap(self, widget, hold: float = 0.05) -> None:
        """A real touch at the widget's centre, through the window's input path."""
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(hold)
        touch.touch_up()
        self.pump(0.1)

    def screenshot(self, path: Path) -> Path:
        """Save the window as PNG at exactly `path` and return it."""
        from kivy.core.window import Window

        self.pump(0.1)
        path.parent.mkdir(parents=True, exist_ok=True)
        Window.screenshot(str(path.with_suffix("")) + "%(counter)s.png")
        # Kivy numbers screenshots; take the newest one and give it our name.
        shots = sorted(path.parent.glob(path.stem + "*.png"), key=lambda p: p.stat().st_mtime)
        shots[-1].replace(path)
        return path

    def pixels(self):
        """The window's RGBA pixels as (width, height, bytes), rows bottom-up as GL reads them."""
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels

        self.pump(0.05)
        w, h = Window.size
        return w, h, glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE)


def start_app(config, speaker):
    """Prepare Kivy for `config`, build the real App with the real services, return a Harness."""
    from kiosk import kivyenv

    s = config["screen"]
    kivyenv.prepare(config.data_dir, fullscreen=False, size=(s["width"], s["height"]), log_level="warning")
    from kiosk.app import KioskApp
    from kiosk.wiring import build_services

    app = KioskApp(build_services(config, speaker=speaker))
    app._run_prepare()   # what App.run() does before its loop: build, open the window, on_start
    h = Harness(app)
    h.pump(0.3)
    return h
