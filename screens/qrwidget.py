"""A QR code drawn crisp at any size (after Electrum's qrcodewidget).

Error correction M, the standard 4-module quiet zone drawn white, one texel per module
scaled with nearest-neighbour filtering, and never smaller than theme.QR_MIN_MM on the
configured screen so an elderly resident's phone camera can read it from arm's length.
"""

from __future__ import annotations

import math

import qrcode
from kivy.app import App
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget

from screens import theme


def qr_matrix(data: str) -> list[list[bool]]:
    """Modules including the 4-module quiet zone, top row first."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


class QRCodeWidget(Widget):
    data = StringProperty("")
    # Side of the drawn code in window pixels (the widget may be larger; the code is centred).
    side = NumericProperty(0)
    min_side = NumericProperty(0)
    modules = NumericProperty(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._texture = None
        app = App.get_running_app()
        self._min_side(app)
        if app:
            app.bind(scale=lambda *_: self._min_side(app))   # a resized window keeps 5 cm on the screen
        self.bind(data=self._rebuild, pos=self._redraw, size=self._redraw, min_side=self._redraw)
        self._rebuild()

    def _min_side(self, app) -> None:
        self.min_side = app.rp(theme.mm(theme.QR_MIN_MM)) if app else theme.mm(theme.QR_MIN_MM)

    def _rebuild(self, *_):
        self._texture = None
        self.modules = 0
        if self.data:
            matrix = qr_matrix(self.data)
            n = len(matrix)
            # GL textures start at the bottom row; black modules are 0.
            buf = bytes(0 if dark else 255 for row in reversed(matrix) for dark in row)
            tex = Texture.create(size=(n, n), colorfmt="luminance")
            tex.blit_buffer(buf, colorfmt="luminance", bufferfmt="ubyte")
            tex.mag_filter = "nearest"
            tex.min_filter = "nearest"
            self._texture = tex
            self.modules = n
        self._redraw()

    def _redraw(self, *_):
        self.canvas.clear()
        if self._texture is None:
            self.side = 0
            return
        n = self.modules
        # Whole pixels per module (every module the same size), never below the minimum.
        per = max(int(min(self.width, self.height) // n), math.ceil(self.min_side / n), 1)
        side = per * n
        self.side = side
        x = int(self.center_x - side / 2)
        y = int(self.center_y - side / 2)
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=self._texture, pos=(x, y), size=(side, side))
