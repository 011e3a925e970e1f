"""The real app, headless: the home screen is drawn in Chinese with the resolved font."""

from __future__ import annotations

from collections import Counter

from assets.texts import speakable


def test_home_screen_is_drawn_and_not_blank(ui, artefacts):
    shot = ui.screenshot(artefacts / "screens" / "home.png")
    assert shot.stat().st_size > 10_000
    w, h, px = ui.pixels()
    assert (w, h) == (1920, 1080)
    colours = Counter(px[i:i + 3] for i in range(0, len(px), 4 * 97))
    # Background plus four dark tiles plus text: a blank or single-colour window fails.
    assert len(colours) > 20
    (bg, share), = colours.most_common(1)
    assert share / sum(colours.values()) < 0.6


def test_home_screen_uses_the_resolved_chinese_font(ui):
    from kivy.core.text import DEFAULT_FONT, LabelBase  # after the harness prepared Kivy

    font = LabelBase._fonts[DEFAULT_FONT][0]
    assert font == ui.app.services.font
    assert font.endswith((".ttc", ".ttf", ".otf"))


def test_home_screen_is_narrated(ui):
    speaker = ui.app.services.speaker
    ui.app.sm.current = "home"
    ui.pump(0.1)
    said = "".join(speaker.spoken)
    # the post's name as the catalogue says it is pronounced: 幸福微+ is read 幸福微加, never "plus"
    assert speakable(ui.app.post_name) in said and "+" not in said
