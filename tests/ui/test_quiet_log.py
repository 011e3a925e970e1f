"""A new user's first look at the kiosk's log must not be an alarm: no Kivy clipboard tracebacks."""

from __future__ import annotations

import subprocess
import sys


def test_a_focused_text_field_logs_no_clipboard_alarm(tmp_path):
    """Kivy looks for the xclip/xsel programs the first time a text field takes focus and, finding neither
    (a kiosk, CI), logs a CRITICAL record with two tracebacks. One window per process: a subprocess."""
    code = (
        "import pathlib, logging, sys; from kiosk import kivyenv;"
        f"kivyenv.prepare(pathlib.Path({str(tmp_path)!r}), fullscreen=False, size=(800, 600));"
        "logging.basicConfig(stream=sys.stderr, level=logging.DEBUG);"
        "from kivy.core.window import Window; from kivy.uix.textinput import TextInput;"
        "t = TextInput(); Window.add_widget(t); t.focus = True; t.copy('回执号');"
        "from kivy.core.clipboard import Clipboard; print(type(Clipboard).__name__)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip() == "ClipboardSDL2"
    assert "CRITICAL" not in p.stderr and "Traceback" not in p.stderr, p.stderr[-3000:]
    assert "xclip" not in p.stderr.replace("clipboard_xclip", ""), p.stderr[-3000:]
