"""Reusable kiosk widgets (shared by screens, like Electrum's qrcodewidget)."""

from __future__ import annotations

import time
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from assets.texts import DIGIT_WORDS, t

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# Chinese is wrapped by character count (every Han character is one em wide); these never start a line.
NO_LINE_START = "，。、；：？！）》」』”’…"


def cjk_wrap(text: str, width: float, font_size: float) -> str:
    """`text` with line breaks so each line fits `width` at `font_size` (Kivy breaks unspaced Chinese
    anywhere, also before a full stop). A Han character is one em wide, a digit or Latin letter about half."""
    if width <= font_size:
        return text
    room = width / font_size - 0.3   # ems per line, a little to spare
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for ch in para:
            w = 0.55 if ch.isascii() else 1.0
            if used + w > room and line:
                run = len(line)
                while run > 0 and line[run - 1].isascii() and line[run - 1].isalnum():
                    run -= 1
                if ch.isascii() and ch.isalnum() and 0 < run < len(line):   # a number is never cut: 101室
                    lines.append(line[:run])
                    line = line[run:]
                elif ch in NO_LINE_START and len(line) > 1:   # carry the last character down with the punctuation
                    lines.append(line[:-1])
                    line = line[-1]
                else:
                    lines.append(line)
                    line = ""
                used = sum(0.55 if c.isascii() else 1.0 for c in line)
            line += ch
            used += w
        lines.append(line)
    return "\n".join(lines)


def lay_out_now(root) -> None:
    """Render `root`'s texts and lay out its layouts now, top down, instead of over the next frames: for a
    widget added straight to the Window (the idle banner), which no layout of the screen lays out."""
    from kivy.uix.label import Label
    from kivy.uix.layout import Layout

    for _ in range(2):   # a size found in the first pass (a text's height) moves what is below it
        for w in root.walk(restrict=True):
            if isinstance(w, Label):
                w.texture_update()
            if isinstance(w, Layout):
                w.do_layout()


class DebouncedButtonBehavior(ButtonBehavior):
    """A tap counts once: trembling fingers produce bursts of touches on one button."""

    # The last button released anywhere and when: only a repeat on the SAME button with no other tap
    # between is a tremble (3183 typed quickly must keep both threes).
    _last: tuple[object | None, float] = (None, 0.0)
    nav = BooleanProperty(False)   # navigation (NavBar, paging): not one of the screen's choices

    def on_touch_down(self, touch):
        app = App.get_running_app()
        gap = (app.debounce_ms if app else 0) / 1000
        last, at = DebouncedButtonBehavior._last
        if self.collide_point(*touch.pos) and last is self and time.monotonic() - at < gap:
            return True  # swallow the repeat
        return super().on_touch_down(touch)

    def on_release(self):
        DebouncedButtonBehavior._last = (self, time.monotonic())


def cell_width(cols: int) -> float:
    """Real px of one cell of a `cols`-column grid across the screen between the page margins."""
    from kivy.core.window import Window

    from screens import theme

    app = App.get_running_app()
    return (Window.width - 2 * app.rp(theme.PAD) - (cols - 1) * app.rp(theme.GAP)) / cols


class Tile(DebouncedButtonBehavior, BoxLayout):
    """A big touch target: pictograph above words, white on a dark colour."""

    icon = StringProperty("")
    text = StringProperty("")
    colour = ListProperty([0.12, 0.23, 0.54, 1])
    text_size_ref = NumericProperty(60)
    icon_size_ref = NumericProperty(96)   # Symbola draws about 1.27 x its size tall
    wrap_width = NumericProperty(0)       # real px the words may take per line; 0: one line
    wrapped = staticmethod(lambda text, width, size: cjk_wrap(text, width, size) if width else text)

    def fit_words(self, width: float) -> Tile:
        """Long words on two lines in a tile `width` wide (known before layout, so the words render once)."""
        app = App.get_running_app()
        # the pictograph beside the words (15.6"); above them the words have the tile's width, and two lines no room
        self.wrap_width = width - app.rp(24 + 8 + 16 + self.icon_size_ref * .75) if self.orientation == "horizontal" else 0
        return self


class BigButton(DebouncedButtonBehavior, BoxLayout):
    """A wide button: pictograph left of the words."""

    icon = StringProperty("")
    text = StringProperty("")
    colour = ListProperty([0.12, 0.23, 0.54, 1])
    text_size_ref = NumericProperty(56)
    wrap_width = NumericProperty(0)       # real px the words may take per line; 0: one line
    wrapped = staticmethod(lambda text, width, size: cjk_wrap(text, width, size) if width else text)

    def fit_words(self, width: float) -> BigButton:
        """Long words on two lines in a button `width` wide (known before layout: the words render once)."""
        app = App.get_running_app()
        self.wrap_width = width - app.rp(40) - (app.rp(self.text_size_ref * 1.2 + 16) if self.icon else 0)
        return self


class Notice(BoxLayout):
    """A message to the resident: kind "ok" (done), "warn" (look again) or "error" (did not work), each with
    its own colour and pictograph (theme.NOTICE), the same on every screen. Empty text: takes no room."""

    text = StringProperty("")
    kind = StringProperty("ok")
    font_ref = NumericProperty(44)


class NavBar(BoxLayout):
    """回首页 / 返回 / 再听一遍: on every screen but home, always in the same place."""


class Keypad(GridLayout):
    """12 big keys: digits, 删除 and 确定. Speaks each digit as it is pressed.

    `value` holds the digits; `on_done` fires on 确定.
    """

    value = StringProperty("")
    compact = BooleanProperty(False)   # a short screen: keys of the minimum height (widgets.kv)
    max_length = NumericProperty(11)
    speak = BooleanProperty(True)   # False for PINs: a code read aloud is no secret

    __events__ = ("on_done",)

    def press(self, key: str) -> None:
        app = App.get_running_app()
        if key == "del":
            self.value = self.value[:-1]
            if self.speak:
                app.say(t("common.deleted"))
        elif key == "ok":
            self.dispatch("on_done", self.value)
        elif len(self.value) < self.max_length:
            self.value += key
            if self.speak:
                app.say(DIGIT_WORDS[int(key)])

    def on_done(self, value: str) -> None:
        pass


class KioskScreen(Screen):
    """Base of every screen: the hooks the App calls, with what most screens want.

    `narration()` is said when the screen is shown; `idle_reset` False (or a property) keeps the idle
    reset away (a class in progress); `back_step()` lets 返回 go back a step within the screen first.
    """

    idle_reset = True
    # The states a resident or teacher can reach on this screen; tests/ui/test_audit_states.py fails when one
    # of them is not audited (sizes, contrast, choices) on the rendered window.
    STATES: tuple[str, ...] = ("shown",)

    def narration(self) -> str:
        return ""

    def back_step(self) -> bool:
        """返回 pressed: True when the screen went back a step of its own (the App then stays here)."""
        return False
