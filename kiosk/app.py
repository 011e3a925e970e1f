"""The Kivy App: holds UI state as properties and the services; screens stay thin.

Import this module only after kiosk.kivyenv.prepare().
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import theme
from kiosk.config import Config
from screens import SCREENS
from sync.catalog import Catalog

log = logging.getLogger(__name__)

WEEKDAYS = "一二三四五六日"


@dataclass
class Services:
    """Everything outside the GUI the screens may use. Built by kiosk.wiring."""

    config: Config
    catalog: Catalog
    speaker: Any
    font: str
    symbol_font: str
    extra: dict[str, Any] = field(default_factory=dict)


class KioskApp(App):
    post_name = StringProperty("")
    clock_text = StringProperty("")
    date_text = StringProperty("")
    scale = NumericProperty(1.0)
    debounce_ms = NumericProperty(400)

    def __init__(self, services: Services, **kwargs):
        super().__init__(**kwargs)
        self.services = services
        cfg = services.config
        self.post_name = cfg["post"]["name"]
        self.debounce_ms = cfg["kiosk"]["touch_debounce_ms"]
        self.title = "幸福微+"
        self.history: list[str] = []
        self.tz = ZoneInfo(cfg["kiosk"]["timezone"])
        LabelBase.register(DEFAULT_FONT, services.font)
        LabelBase.register("Icons", services.symbol_font)

    # -- sizes -------------------------------------------------------------
    def rp(self, ref_px: float) -> float:
        """Reference pixels (1920x1080, 21.5") to real pixels on this screen."""
        return ref_px * self.scale

    def _rescale(self, *_):
        s = self.services.config["screen"]
        self.scale = theme.scale_for((s["width"], s["height"]), s["diagonal_inches"], tuple(Window.size))

    # -- building ----------------------------------------------------------
    def build(self):
        Window.clearcolor = theme.rgba(theme.BG)
        self._rescale()
        Window.bind(size=self._rescale)
        self.sm = ScreenManager(transition=NoTransition())
        for name, module, cls in SCREENS:
            screen = getattr(importlib.import_module(module), cls)(name=name)
            screen.bind(on_enter=self._on_screen_enter)
            self.sm.add_widget(screen)
        self._tick()
        Clock.schedule_interval(self._tick, 1)
        return self.sm

    def _tick(self, *_):
        now = datetime.now(self.tz).timetuple()
        self.clock_text = f"{now.tm_hour:02d}:{now.tm_min:02d}"
        self.date_text = f"{now.tm_year}年{now.tm_mon}月{now.tm_mday}日 星期{WEEKDAYS[now.tm_wday]}"

    # -- navigation --------------------------------------------------------
    def _on_screen_enter(self, screen, *_):
        text = screen.narration()
        if text:
            self.services.speaker.say(text)

    def go(self, name: str) -> None:
        if name != self.sm.current:
            self.history.append(self.sm.current)
            self.sm.current = name

    def back(self) -> None:
        self.sm.current = self.history.pop() if self.history else "home"

    def home(self) -> None:
        self.history.clear()
        self.sm.current = "home"

    def repeat(self) -> None:
        self.services.speaker.repeat()

    def choose(self, what: str) -> None:
        names = {n for n, _, _ in SCREENS}
        target = {"help": "categories", "lessons": "lessons", "status": "status", "voice": "voice"}.get(what)
        if target in names:
            self.go(target)
        else:
            self.services.speaker.say("这个功能还在准备中，请找驻守干部帮忙。")
