"""Sizes and colours of the kiosk, in reference pixels (docs/architecture.md "Sizes").

The reference is a 21.5" 1920x1080 screen viewed at 50-70 cm. `scale_for()` turns reference
pixels into real pixels so a 40 px letter stays about 10 mm tall on a 15.6" or 21.5" screen;
a smaller window (trying it on a desktop) is a miniature of the configured screen.
"""

from __future__ import annotations

import math

REF_SIZE = (1920, 1080)
REF_DIAGONAL_IN = 21.5
REF_PPI = math.hypot(*REF_SIZE) / REF_DIAGONAL_IN

# Minimums (docs/architecture.md "Sizes"); the audit in tests checks the rendered screens against them.
MIN_TEXT = 40
MIN_BUTTON_TEXT = 56
MIN_TARGET = 120
MIN_GAP = 24
MIN_CONTRAST = 7.0
MAX_CHOICES = 6

# What the screens use (a little above the minimums).
TEXT = 44
TEXT_BIG = 60
TEXT_HUGE = 96
TEXT_RECEIPT = 180
BUTTON = 140    # NavBar and title rows; small so a 15.6" screen (785 reference px tall) still fits a keypad
GAP = 28
PAD = 28

# High contrast: near-black on warm white, white on dark tiles (all >= 7:1).
BG = "#fffbeb"
FG = "#111827"
MUTED = "#1f2937"
PRIMARY = "#1e3a8a"   # navy: 11:1 with white
ACCENT = "#991b1b"    # dark red (party colour, darkened for contrast): 8.3:1 with white
OK = "#14532d"
WARN = "#7c2d12"
BAR = "#e5e7eb"
NAV = "#374151"      # NavBar buttons: 10:1 with white
# A message's kind has its own colour and pictograph on every screen (widgets Notice): success never looks
# like an error ("没找到" is not green like 已受理). Each >= 7:1 on BG.
NOTICE = {"ok": ("#14532d", "✔"), "warn": ("#713f12", "⚠"), "error": ("#991b1b", "✖")}
QR_MIN_MM = 50       # a phone camera at arm's length reads a QR code this big


def ref_height(screen: tuple[int, int], diagonal_in: float) -> float:
    """The configured screen's height in reference pixels (a 15.6" 1080p screen: about 780)."""
    return screen[1] / scale_for(screen, diagonal_in)


def fit(screen: tuple[int, int], diagonal_in: float) -> None:
    """Tighten padding, gaps and the bar height on a short screen so the minimum sizes still fit.

    Called by the App before any screen is built; the .kv rules read these names when they apply.
    """
    global PAD, GAP, BUTTON
    if ref_height(screen, diagonal_in) < 900:
        PAD, GAP, BUTTON = 24, MIN_GAP, 124


def scale_for(screen: tuple[int, int], diagonal_in: float, window: tuple[int, int] | None = None) -> float:
    ppi = math.hypot(*screen) / diagonal_in
    scale = ppi / REF_PPI
    if window and window[0] < screen[0]:
        scale *= window[0] / screen[0]
    return scale


def mm(millimetres: float) -> float:
    """Reference pixels of a physical length (on the reference screen; rp() keeps it physical)."""
    return millimetres / 25.4 * REF_PPI


def is_compact(window_height: float, scale: float) -> bool:
    """Less than 900 reference px of height (a 15.6" screen has 785): layouts put pictographs beside words."""
    return window_height / scale < 900


def rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
