"""Everything Kivy must be told before it is imported, in one place.

Call prepare() before any `import kivy...`: Kivy reads its environment and Config at import
and opens the window with what it found then.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_prepared = False


def prepare(data_dir: Path, *, fullscreen: bool, size: tuple[int, int], log_level: str = "info",
            debounce_ms: int = 400) -> None:
    global _prepared
    if _prepared:
        return
    if "kivy" in sys.modules:
        raise RuntimeError("kiosk.kivyenv.prepare() must run before Kivy is imported")
    home = data_dir / "kivy"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_NO_ARGS"] = "1"          # our CLI owns argv
    os.environ["KIVY_HOME"] = str(home)        # not ~/.kivy: the data dir is the kiosk's only state
    os.environ["KIVY_NO_FILELOG"] = "1"        # we log to our own rotating file
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"     # Kivy logs through the standard logging tree
    os.environ.setdefault("KIVY_WINDOW", "sdl2")
    # SDL2's own clipboard: Kivy would otherwise probe the xclip/xsel programs, absent on a kiosk.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        # No screen (CI, a box over SSH): SDL renders offscreen and screenshots still work.
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

    from kivy.config import Config
    from kivy.logger import Logger

    Logger.addFilter(_no_cut_buffer_alarm)

    Config.set("kivy", "log_level", log_level)
    Config.set("kivy", "exit_on_escape", "0")     # residents must not leave the app by accident
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    Config.set("graphics", "multisamples", "0")
    # No red multitouch-emulation dots on right click; touch slop for trembling fingers.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("postproc", "double_tap_time", "0")
    Config.set("postproc", "triple_tap_time", "0")
    Config.set("postproc", "jitter_distance", "0")
    Config.set("postproc", "ignore", "[]")
    Config.set("widgets", "scroll_distance", "40")
    _prepared = True


def _no_cut_buffer_alarm(record) -> bool:
    """Drop Kivy's CRITICAL "no Cutbuffer provider" record and its xclip/xsel tracebacks.

    Kivy looks for X11's middle-click cut buffer (xclip or xsel only) whatever clipboard it uses, the first
    time a text field takes focus. A touch kiosk has no middle button; the alarm only hid real errors.
    """
    return not str(record.msg).startswith("Cutbuffer: Unable to find")


def fresh_text_textures() -> None:
    """Draw changed label text into a new texture instead of over the old one.

    Kivy re-renders a label of unchanged size into its existing texture; with software GL (llvmpipe,
    no GPU on many kiosk boxes and in CI) that upload waits until every frame still using the texture
    is drawn: 100-600 ms per tap on a busy machine. A new texture has nothing to wait for (measured
    categories -> who-and-where: 290-480 ms before, 30-110 ms after). Call after Kivy is imported.
    """
    from kivy.core.text import LabelBase

    if getattr(LabelBase.refresh, "fresh_texture", False):
        return
    refresh = LabelBase.refresh

    def refresh_into_new_texture(self):
        self.texture = None
        return refresh(self)

    refresh_into_new_texture.fresh_texture = True
    LabelBase.refresh = refresh_into_new_texture
