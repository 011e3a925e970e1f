"""A phone screen drawn in code from a lesson step's sketch (sync/lessons.py SKETCH_KINDS).

No artwork: a phone outline, bars, buttons, bubbles and an arrow to what to tap, drawn with Kivy
canvas instructions. Texts are drawn as textures (not Label widgets): they are a picture of a phone,
the step's own large text and narration say what to do.
"""

from __future__ import annotations

import random

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle, Triangle
from kivy.properties import ListProperty
from kivy.uix.widget import Widget

from screens import theme

TONES = {"green": "#15803d", "blue": "#1e3a8a", "red": "#b91c1c", "grey": "#d1d5db"}
POINT = "#c2410c"      # the arrow and ring: what to tap
ROW = {"bar": 1.0, "label": 1.0, "button": 1.1, "apps": 1.7, "qr": 2.6, "bubble": 1.0, "toggle": 1.0,
       "slider": 1.3, "input": 1.0, "call": 2.6, "warning": 1.2}


def _two_lines(text: str) -> str:
    """Split at the separator nearest the middle (，　、 or a space), else in the middle."""
    mid = len(text) / 2
    cuts = [i for i, c in enumerate(text) if c in "，　、 ：）" and 0 < i < len(text) - 1]
    if cuts:
        i = min(cuts, key=lambda i: abs(i - mid))
        return text[:i + 1].rstrip("　 ") + "\n" + text[i + 1:].lstrip("　 ")
    i = round(mid)
    return text[:i] + "\n" + text[i:]


def _app_cols(items: list[str]) -> int:
    """Short names sit four to a row; longer ones two to a row so they stay readable."""
    return 4 if all(len(n) <= 2 for n in items) else 2


def rows_of(el: dict) -> float:
    if el["kind"] == "apps":
        return ROW["apps"] * -(-len(el["items"]) // _app_cols(el["items"]))
    return ROW[el["kind"]]


class PhoneSketch(Widget):
    elements = ListProperty([])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(elements=self.redraw, pos=self.redraw, size=self.redraw)

    # -- helpers -------------------------------------------------------------
    def _text(self, text: str, size: float, colour: str, box, *, bold=False, align="center", wrap=True):
        x, y, w, h = box
        room = w if align == "center" else w - size * 0.8
        if room <= 1 or h <= 1:   # not laid out yet
            return
        if wrap and "\n" not in text and len(text) >= 6 and len(text) * size > room * 1.15:
            text = _two_lines(text)   # a long line reads better on two lines than shrunk to a whisper
        lab = CoreLabel(text=text, font_size=size, bold=bold, halign="center" if align == "center" else "left")
        lab.refresh()
        tex = lab.texture
        tw, th = tex.size
        if not tw or not th:
            return
        if th > h:   # two lines taller than the row: shrink both ways
            tw, th = tw * h / th, h
        if tw > room:   # shrink a long line to fit rather than cut it
            tw, th = room, th * room / tw
        tx = x + (w - tw) / 2 if align == "center" else (x + size * 0.4 if align == "left" else x + w - tw - size * 0.4)
        Color(*theme.rgba(colour))
        Rectangle(texture=tex, pos=(tx, y + (h - th) / 2), size=(tw, th))

    def _arrow(self, target_y: float, right_x: float):
        """A thick arrow from outside the phone's right edge to the element."""
        s = self._unit
        Color(*theme.rgba(POINT))
        tip = right_x + s * 0.1
        Triangle(points=[tip, target_y, tip + s * 0.9, target_y + s * 0.55, tip + s * 0.9, target_y - s * 0.55])
        Line(points=[tip + s * 0.8, target_y, tip + s * 2.2, target_y], width=s * 0.16)

    # -- drawing -------------------------------------------------------------
    def redraw(self, *_):
        self.canvas.clear()
        if not self.elements or self.width < 10:
            return
        app = App.get_running_app()
        rp = app.rp if app else (lambda v: v)
        h = self.height
        w = min(self.width - rp(120), h * 0.56)      # leave room on the right for the arrow
        x0 = self.x + (self.width - rp(120) - w) / 2
        y0 = self.y
        border = w * 0.05
        self._unit = w / 7
        screen = (x0 + border, y0 + border * 2.2, w - 2 * border, h - border * 4.4)
        sx, sy, sw, sh = screen
        with self.canvas:
            Color(*theme.rgba("#111827"))
            RoundedRectangle(pos=(x0, y0), size=(w, h), radius=[w * 0.12])
            Color(*theme.rgba("#f9fafb"))
            RoundedRectangle(pos=(sx, sy), size=(sw, sh), radius=[w * 0.04])
            Color(*theme.rgba("#4b5563"))
            Ellipse(pos=(x0 + w / 2 - border * 0.6, y0 + border * 0.5), size=(border * 1.2, border * 1.2))
            total = sum(rows_of(e) for e in self.elements)
            row = min(sh / max(total, 4.2), sw / 3.2)
            font = max(row * 0.42, rp(22))
            y = sy + sh
            pad = sw * 0.05
            for el in self.elements:
                rh = rows_of(el) * row
                y -= rh
                box = (sx + pad, y + rh * 0.08, sw - 2 * pad, rh * 0.84)
                target = self._element(el, box, font)
                if el.get("point") is True or target is not None:
                    ty = target if target is not None else y + rh / 2
                    Color(*theme.rgba(POINT))
                    bx, by, bw, bh = box
                    if target is None:
                        Line(rounded_rectangle=(bx - 3, by - 3, bw + 6, bh + 6, rh * 0.2), width=rp(5))
                    self._arrow(ty, x0 + w)

    def _element(self, el: dict, box, font: float) -> float | None:
        """Draw one element in `box`; the y to point the arrow at, when it is not the box's middle."""
        return DRAW[el["kind"]](self, el, box, font)


# -- one draw function per element kind (sync/lessons.py SKETCH_KINDS) ------------------------------------
# Each draws `el` into box = (x, y, w, h) on the sketch's canvas and returns the y the arrow points at, or None.

def _bar(sk: PhoneSketch, el: dict, box, font: float):
    x, y, w, h = box
    Color(*theme.rgba("#e5e7eb"))
    Rectangle(pos=(x - w * 0.06, y), size=(w * 1.12, h))
    sk._text(el["text"], font, "#111827", box, bold=True)


def _label(sk: PhoneSketch, el: dict, box, font: float):
    sk._text(el["text"], font * (1.45 if el.get("big") else 1.0), "#111827", box, bold=el.get("big", False))


def _button(sk: PhoneSketch, el: dict, box, font: float):
    x, y, w, h = box
    tone = "red" if el["kind"] == "warning" else el.get("tone", "blue")
    Color(*theme.rgba(TONES[tone]))
    RoundedRectangle(pos=(x, y), size=(w, h), radius=[h * 0.25])
    sk._text(el["text"], font, "#111827" if tone == "grey" else "#ffffff", box, bold=True)


def _input(sk: PhoneSketch, el: dict, box, font: float):
    x, y, w, h = box
    Color(*theme.rgba("#ffffff"))
    Rectangle(pos=(x, y), size=(w, h))
    Color(*theme.rgba("#6b7280"))
    Line(rectangle=(x, y, w, h), width=1.5)
    sk._text(el["text"], font, "#111827", box, align="left", wrap=False)   # a field is one line


def _bubble(sk: PhoneSketch, el: dict, box, font: float):
    x, y, w, h = box
    right = el.get("side") == "right"
    bw = w * 0.78
    bx = x + w - bw if right else x
    Color(*theme.rgba("#bbf7d0" if right else "#ffffff"))
    RoundedRectangle(pos=(bx, y), size=(bw, h), radius=[h * 0.25])
    Color(*theme.rgba("#9ca3af"))
    Line(rounded_rectangle=(bx, y, bw, h, h * 0.25), width=1.2)
    sk._text(el["text"], font, "#111827", (bx, y, bw, h), align="left")


def _toggle(sk: PhoneSketch, el: dict, box, font: float):
    x, y, w, h = box
    sk._text(el["text"], font, "#111827", (x, y, w - h * 1.7, h), align="left", wrap=False)
    on = el.get("on", False)
    Color(*theme.rgba("#15803d" if on else "#9ca3af"))
    tw = h * 1.6
    RoundedRectangle(pos=(x + w - tw, y + h * 0.15), size=(tw, h * 0.7), radius=[h * 0.35])
    Color(1, 1, 1, 1)
    kx = x + w - h * 0.7 if on else x + w - tw
    Ellipse(pos=(kx + h * 0.05, y + h * 0.2), size=(h * 0.6, h * 0.6))


def _slider(sk: PhoneSketch, el: dict, box, font: float):
    x, y, w, h = box
    sk._text(el["text"], font, "#111827", (x, y + h * 0.45, w, h * 0.55))
    v = float(el.get("value", 0.5))
    Color(*theme.rgba("#9ca3af"))
    Line(points=[x, y + h * 0.22, x + w, y + h * 0.22], width=3)
    Color(*theme.rgba("#1e3a8a"))
    Line(points=[x, y + h * 0.22, x + w * v, y + h * 0.22], width=4)
    Ellipse(pos=(x + w * v - h * 0.15, y + h * 0.07), size=(h * 0.3, h * 0.3))


def _apps(sk: PhoneSketch, el: dict, box, font: float):
    """A grid of app icons with names; the one to tap (el["point"]) is green and ringed."""
    x, y, w, h = box
    items = el["items"]
    cols = _app_cols(items)
    lines = -(-len(items) // cols)
    cell = w / cols
    target = None
    top, h = y + h, h / lines
    for i, name in enumerate(items):
        r, c = divmod(i, cols)
        in_row = min(cols, len(items) - r * cols)
        y = top - (r + 1) * h
        side = min(cell * 0.7, h * 0.55)
        cx = x + (w - in_row * cell) / 2 + cell * c + (cell - side) / 2
        chosen = name == el.get("point")
        Color(*theme.rgba("#15803d" if chosen else "#1e3a8a"))
        RoundedRectangle(pos=(cx, y + h * 0.38), size=(side, min(side, h * 0.58)), radius=[side * 0.2])
        sk._text(name, font * 0.8, "#111827", (cx + side / 2 - cell / 2, y, cell, h * 0.36), bold=chosen)
        if chosen:
            Color(*theme.rgba(POINT))
            Line(rounded_rectangle=(cx + side / 2 - cell / 2 + 3, y, cell - 6, h, side * 0.2), width=3)
            target = y + h * 0.65
    return target


def _qr(sk: PhoneSketch, el: dict, box, font: float):
    """Finder squares and random modules: it looks like a QR code, no scanner reads it."""
    x, y, w, h = box
    side = min(w, h) * 0.9
    qx, qy = x + (w - side) / 2, y + (h - side) / 2
    Color(1, 1, 1, 1)
    Rectangle(pos=(qx, qy), size=(side, side))
    n = 15
    m = side / n
    Color(0, 0, 0, 1)
    rnd = random.Random(7)
    for i in range(n):
        for j in range(n):
            finder = (i < 4 and j < 4) or (i < 4 and j > n - 5) or (i > n - 5 and j < 4)
            if not finder and rnd.random() < 0.45:
                Rectangle(pos=(qx + i * m, qy + j * m), size=(m, m))
    for fx, fy in ((0, 0), (0, n - 4), (n - 4, n - 4)):
        Line(rectangle=(qx + fx * m + m * 0.5, qy + fy * m + m * 0.5, m * 3, m * 3), width=m * 0.45)
        Rectangle(pos=(qx + (fx + 1.3) * m, qy + (fy + 1.3) * m), size=(m * 1.4, m * 1.4))
    Color(*theme.rgba("#15803d"))
    Line(rectangle=(qx - m, qy - m, side + 2 * m, side + 2 * m), width=2)


def _call(sk: PhoneSketch, el: dict, box, font: float):
    """An incoming call: the caller, a red and a green button; the arrow goes to the buttons."""
    x, y, w, h = box
    r = h * 0.36
    Color(*theme.rgba("#9ca3af"))
    Ellipse(pos=(x + w / 2 - r / 2, y + h * 0.55), size=(r, r))
    sk._text(el["text"], font, "#111827", (x, y + h * 0.32, w, h * 0.22), bold=True)
    b = h * 0.26
    Color(*theme.rgba("#b91c1c"))
    Ellipse(pos=(x + w * 0.25 - b / 2, y), size=(b, b))
    Color(*theme.rgba("#15803d"))
    Ellipse(pos=(x + w * 0.75 - b / 2, y), size=(b, b))
    return y + b / 2 if el.get("point") else None


DRAW = {"bar": _bar, "label": _label, "button": _button, "warning": _button, "input": _input, "bubble": _bubble,
        "toggle": _toggle, "slider": _slider, "apps": _apps, "qr": _qr, "call": _call}
assert DRAW.keys() == ROW.keys()
