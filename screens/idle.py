"""The idle warning: a banner across the top (not a modal: the screen stays visible and usable), spoken, with
one big 继续; the App resets the session when the seconds run out. In the middle of a request the words
say the request is not yet submitted."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

from screens.widgets import lay_out_now

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class IdleBanner(BoxLayout):
    STATES = ("request", "other")   # audited like a screen's states (tests/ui/test_audit_states.py)
    request = BooleanProperty(False)   # a half-entered request is on screen

    def show(self, request: bool = False) -> None:
        self.request = request
        if self.parent is None:
            Window.add_widget(self)
            lay_out_now(self)   # drawn laid out in its first frame, not a frame later at the default size

    def hide(self) -> None:
        if self.parent is not None:
            self.parent.remove_widget(self)

    def narration(self) -> str:
        return App.get_running_app().t("idle.warning_request" if self.request else "idle.warning")
