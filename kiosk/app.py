"""The Kivy App: holds UI state as properties and the services; screens stay thin.

Import this module only after kiosk.kivyenv.prepare().
"""

from __future__ import annotations

import importlib
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from assets import texts
from kiosk import kivyenv
from kiosk.wiring import Services
from screens import SCREENS, theme

log = logging.getLogger(__name__)
kivyenv.fresh_text_textures()

ADMIN_CORNER_REF = 160      # reference px square in the top-left corner
ADMIN_HOLD_S = 3.0          # long press, so a resident leaning on the corner does not open it
EMPTY_DRAFT = {"category": "", "channel": "touch", "transcript": "", "name": "", "building": "",
               "unit": "", "floor": "", "room": "", "phone": ""}


class KioskApp(App):
    post_name = StringProperty("")
    clock_text = StringProperty("")
    date_text = StringProperty("")
    scale = NumericProperty(1.0)
    debounce_ms = NumericProperty(400)
    draft = DictProperty(dict(EMPTY_DRAFT))   # the request being entered; cleared by reset_session()
    receipt = StringProperty("")              # the last receipt code shown
    receipt_uuid = ""                         # its request's client UUID, for the phone status page
    idle_warning = BooleanProperty(False)
    idle_left = NumericProperty(0)            # seconds before the idle reset, while warning

    __events__ = ("on_reset",)

    def __init__(self, services: Services, **kwargs):
        super().__init__(**kwargs)
        self.services = services
        cfg = services.config
        self.post_name = cfg["post"]["name"]
        self.debounce_ms = cfg["kiosk"]["touch_debounce_ms"]
        self.title = texts.t("app.title")
        self.history: list[str] = []
        self.tz = ZoneInfo(cfg["kiosk"]["timezone"])
        theme.fit((cfg["screen"]["width"], cfg["screen"]["height"]), cfg["screen"]["diagonal_inches"])
        self.monotonic = time.monotonic   # the idle clock; tests drive it (never sleep)
        self.now = lambda: datetime.now(self.tz)   # the wall clock shown on home; tests fix it (pixels don't race a minute)
        self.last_touch = self.monotonic()
        self._admin_event = None
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
        # Home first; the other screens are built one per frame after home is drawn (cold start,
        # docs/architecture.md "Speed"),
        # or at once when something asks for one (screen()).
        self._unbuilt = {name: (module, cls) for name, module, cls in SCREENS[1:]}
        self._add_screen(*SCREENS[0])
        Clock.schedule_once(self._build_next, 0)
        from screens.idle import IdleBanner

        self.idle_overlay = IdleBanner()
        self._tick()
        Clock.schedule_interval(self._tick, 1)
        Window.bind(on_touch_down=self._window_touch_down, on_touch_up=self._window_touch_up)
        return self.sm

    def _add_screen(self, name: str, module: str, cls: str):
        screen = getattr(importlib.import_module(module), cls)(name=name)
        screen.bind(on_enter=self._on_screen_enter)
        self.sm.add_widget(screen)
        return screen

    def _build_next(self, *_):
        if self._unbuilt:
            name = next(iter(self._unbuilt))
            self._add_screen(name, *self._unbuilt.pop(name))
            Clock.schedule_once(self._build_next, 0)

    def screen(self, name: str):
        """The screen called `name`, built now if it was not yet."""
        if name in self._unbuilt:
            return self._add_screen(name, *self._unbuilt.pop(name))
        return self.sm.get_screen(name)

    def build_all_screens(self) -> None:
        while self._unbuilt:
            self._build_next()

    def _tick(self, *_):
        now = self.now().timetuple()
        self.clock_text = f"{now.tm_hour:02d}:{now.tm_min:02d}"
        self.date_text = texts.t("app.date", year=now.tm_year, month=now.tm_mon, day=now.tm_mday,
                                 weekday=texts.t("app.weekdays")[now.tm_wday])
        self.check_idle()

    # -- texts and speech --------------------------------------------------
    t = staticmethod(texts.t)   # the one catalogue lookup (assets.texts.t), also as app.t

    def say(self, text: str) -> None:
        """Speak `text` as the catalogue says it is pronounced (assets.texts.speakable)."""
        if text:
            self.services.speaker.say(texts.speakable(text))

    # -- idle --------------------------------------------------------------
    def _window_touch_down(self, _window, touch):
        self.last_touch = self.monotonic()
        if self.idle_warning:
            on_banner = self.idle_overlay.collide_point(*touch.pos)
            self.keep_going()   # any touch means "still here"
            return on_banner    # the banner is not a modal: a tap elsewhere also does what it touched
        corner = self.rp(ADMIN_CORNER_REF)
        if touch.x < corner and touch.y > Window.height - corner:
            self._admin_event = Clock.schedule_once(lambda *_: self.open_admin(), ADMIN_HOLD_S)
        return False

    def _window_touch_up(self, _window, touch):
        self.last_touch = self.monotonic()
        if self._admin_event is not None:
            self._admin_event.cancel()
            self._admin_event = None
        return False

    def request_in_progress(self) -> bool:
        """A category chosen and not yet submitted: what an idle reset would throw away."""
        return dict(self.draft) != EMPTY_DRAFT and self.sm.current != "home"

    def idle_limit(self) -> float:
        """Seconds without a touch before the warning: three minutes and more in the middle of a request,
        sooner on home, lessons and the other screens."""
        kcfg = self.services.config["kiosk"]
        return kcfg["request_idle_s"] if self.request_in_progress() else kcfg["idle_timeout_s"]

    def check_idle(self, now: float | None = None) -> None:
        kcfg = self.services.config["kiosk"]
        idle = (now if now is not None else self.monotonic()) - self.last_touch
        if not self.idle_warning:
            if idle < self.idle_limit():
                return
            if self.sm.current == "home":
                if dict(self.draft) != EMPTY_DRAFT or self.receipt:   # abandoned on home: clear quietly
                    self.reset_session()
            elif self.sm.current_screen.idle_reset:
                self._warn_limit = self.idle_limit()
                self.idle_warning = True
                self.idle_left = kcfg["idle_warning_s"]
                self.idle_overlay.show(self.request_in_progress())
                self.say(self.idle_overlay.narration())
            return
        self.idle_left = max(0, round(self._warn_limit + kcfg["idle_warning_s"] - idle))
        if self.idle_left <= 0:
            self.reset_session()

    def keep_going(self) -> None:
        """继续: the resident is still here; everything entered stays."""
        self.last_touch = self.monotonic()
        self.idle_warning = False
        self.idle_overlay.hide()

    def reset_session(self) -> None:
        """Back to home with everything the resident entered forgotten (idle reset)."""
        self.idle_warning = False
        self.idle_overlay.hide()
        self.services.speaker.stop()
        self.draft = dict(EMPTY_DRAFT)
        self.receipt = ""
        self.dispatch("on_reset")
        self.home()
        self.last_touch = self.monotonic()

    def on_reset(self) -> None:
        """Event other screens bind to (app.bind(on_reset=...)) to clear what they hold."""

    # -- admin -------------------------------------------------------------
    def open_admin(self) -> None:
        self._admin_event = None
        if "admin" in self.sm.screen_names or "admin" in self._unbuilt:
            self.go("admin")

    # -- navigation --------------------------------------------------------
    def _on_screen_enter(self, screen, *_):
        self.say(screen.narration())

    def go(self, name: str) -> None:
        if name != self.sm.current:
            self.screen(name)
            self.history.append(self.sm.current)
            self.sm.current = name

    def back(self) -> None:
        """Screens with steps of their own (who-and-where) go back a step first."""
        screen = self.sm.current_screen
        if screen.back_step():
            return
        target = self.history.pop() if self.history else "home"
        if target == "home":
            self.home()   # home always forgets the request and the receipt
        else:
            self.sm.current = target

    def home(self) -> None:
        """Home forgets the request being entered: the next person starts afresh."""
        self.history.clear()
        self.draft = dict(EMPTY_DRAFT)
        self.receipt = ""
        self.sm.current = "home"

    def repeat(self) -> None:
        self.services.speaker.repeat()

    # -- the request -------------------------------------------------------
    def start_request(self, category_id: str, channel: str = "touch", transcript: str = "") -> None:
        """A category was chosen (by tap or voice): ask who and where next."""
        self.draft = dict(EMPTY_DRAFT, category=category_id, channel=channel, transcript=transcript)
        self.go("contact")

    def on_start(self):
        from kiosk import watchdog

        watchdog.start()   # systemd restarts the kiosk when this loop stops pinging (a hung UI)
        if self.services.sync is not None:
            self.services.sync.start()

    def on_stop(self):
        if self.services.sync is not None:
            self.services.sync.stop()

    def submit(self) -> str | None:
        """Queue the draft through the one submit path (kiosk.submit) and show the receipt."""
        from kiosk.submit import SubmitError, submit_request

        d = self.draft
        try:
            result = submit_request(
                self.services, category=d["category"], name=d["name"], building=d["building"],
                unit=d["unit"], room=d["room"], phone=d["phone"], text=d["transcript"], channel=d["channel"],
                wait_print=False)
        except SubmitError as exc:
            self.say(self.t("confirm.failed", reason=str(exc)))
            return None
        self.receipt_uuid = result["uuid"]
        self.receipt = result["receipt"]
        self.draft = dict(EMPTY_DRAFT)   # nothing personal stays in the UI after queueing
        self.history.clear()
        self.go("receipt")
        self.history = ["home"]
        return self.receipt

    def choose(self, what: str) -> None:
        """The home screen's four choices (also said on the voice screen)."""
        self.go({"help": "categories", "lessons": "lessons", "status": "status", "voice": "voice"}[what])
