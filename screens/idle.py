"""The idle warning: spoken and shown, one big 继续, then the App resets the session."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.modalview import ModalView

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class IdleOverlay(ModalView):
    def show(self) -> None:
        if not self._window:
            self.open(animation=False)

    def hide(self) -> None:
        if self._window:
            self.dismiss(animation=False)

    def narration(self) -> str:
        return App.get_running_app().t("idle.warning")
