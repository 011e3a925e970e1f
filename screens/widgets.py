"""Reusable kiosk widgets (shared by screens, like Electrum's qrcodewidget)."""

from __future__ import annotations

import time
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class DebouncedButtonBehavior(ButtonBehavior):
    """A tap counts once: trembling fingers produce bursts of touches on one button."""

    _last_release = 0.0

    def on_touch_down(self, touch):
        app = App.get_running_app()
        gap = (app.debounce_ms if app else 0) / 1000
        if self.collide_point(*touch.pos) and time.monotonic() - self._last_release < gap:
            return True  # swallow the repeat
        return super().on_touch_down(touch)

    def on_release(self):
        self._last_release = time.monotonic()


class Tile(DebouncedButtonBehavior, BoxLayout):
    """A big touch target: pictograph above words, white on a dark colour."""

    icon = StringProperty("")
    text = StringProperty("")
    colour = ListProperty([0.12, 0.23, 0.54, 1])
    text_size_ref = NumericProperty(60)


class KioskScreen(Screen):
    """Base of every screen: knows what to say when shown."""

    def narration(self) -> str:
        return ""
