"""Home: four huge choices (three when voice cannot work), the post's name and the time."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty

from screens.widgets import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

VOICE_CHECK_S = 5   # a microphone plugged in or the model finishing its load shows 按住说话 within this


class HomeScreen(KioskScreen):
    STATES = ("four_tiles", "three_tiles")
    voice_ok = BooleanProperty(True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._checker = None
        self.voice_tile = self.ids.voice_tile.__self__   # a strong reference: ids are weak, and the tile leaves the grid
        Clock.schedule_once(lambda *_: self.check_voice())

    def on_pre_enter(self, *_):
        self.check_voice()
        if self._checker is None:
            self._checker = Clock.schedule_interval(lambda *_: self.check_voice(), VOICE_CHECK_S)

    def on_leave(self, *_):
        if self._checker is not None:
            self._checker.cancel()
            self._checker = None

    def check_voice(self) -> None:
        """按住说话 only when it can work: no microphone or no model is a dead end (the admin screen says why)."""
        usable = App.get_running_app().services.voice_usable
        ok = usable is None or usable() == "ok"
        if ok != self.voice_ok or ok != (self.voice_tile.parent is not None):
            grid, tile = self.ids.grid, self.voice_tile
            if ok and tile.parent is None:
                grid.add_widget(tile)
            elif not ok and tile.parent is not None:
                grid.remove_widget(tile)
            self.voice_ok = ok

    def narration(self) -> str:
        app = App.get_running_app()
        return app.t("home.narration" if self.voice_ok else "home.narration_touch", post=app.post_name)

    def choose(self, what: str) -> None:
        App.get_running_app().choose(what)
