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
        return f"您好，这里是{app.post_name}。要求助请点我要求助，学手机请点学用手机，查办理进度请点查进度，也可以按住说话按钮直接说。"

    def choose(self, what: str) -> None:
        App.get_running_app().choose(what)
