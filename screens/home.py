"""Home: four huge choices, the post's name and the time."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder

from screens.widgets import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HomeScreen(KioskScreen):
    def narration(self) -> str:
        app = App.get_running_app()
        return app.t("home.narration", post=app.post_name)

    def choose(self, what: str) -> None:
        App.get_running_app().choose(what)
