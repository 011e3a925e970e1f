"""The accessibility audit itself (tests/audit.py): it must catch each planted fault, and every screen is narrated.
Every screen and state is audited on both kiosk screens by tests/ui/test_audit_states.py."""

from __future__ import annotations

import pytest

from tests.audit import audit_screen


def test_the_audit_catches_what_it_must(ui, artefacts):
    """The audit is only worth something if it fails bad screens: plant each fault and see it reported."""
    from kivy.uix.floatlayout import FloatLayout
    from kivy.uix.label import Label

    from screens.widgets import BigButton

    app = ui.app
    screen = app.sm.get_screen("home")
    from kivy.graphics import Color, Rectangle

    from screens import theme

    bad = FloatLayout(size_hint=(None, None), pos=(app.rp(500), app.rp(300)), size=(app.rp(1000), app.rp(400)))
    with bad.canvas.before:   # on the page colour, away from the tiles
        Color(*theme.rgba(theme.BG))
        Rectangle(pos=bad.pos, size=bad.size)
    bad.add_widget(Label(text="太小的字", font_size=app.rp(30), color=(0, 0, 0, 1),
                         pos=(app.rp(520), app.rp(600)), size=(app.rp(300), app.rp(60)), size_hint=(None, None)))
    bad.add_widget(Label(text="看不清的字", font_size=app.rp(48), color=(0.75, 0.75, 0.7, 1),
                         pos=(app.rp(520), app.rp(500)), size=(app.rp(400), app.rp(70)), size_hint=(None, None)))
    bad.add_widget(Label(text="挤在一起", font_size=app.rp(48), color=(0, 0, 0, 1),
                         pos=(app.rp(560), app.rp(510)), size=(app.rp(400), app.rp(70)), size_hint=(None, None)))
    for i in range(4):   # with home's three or four tiles: seven or more choices
        bad.add_widget(BigButton(text="小", size_hint=(None, None), size=(app.rp(100), app.rp(100)),
                                 pos=(app.rp(1000 + i * 110), app.rp(350))))
    screen.add_widget(bad)
    try:
        problems = "\n".join(audit_screen(ui, "home"))
    finally:
        screen.remove_widget(bad)
    assert "'太小的字' is 30 ref px < 40" in problems
    assert "'看不清的字' contrast" in problems
    assert "target '小' is 100x100 ref px < 120" in problems
    assert "ref px apart < 24" in problems
    assert "choices > 6" in problems
    assert any("看不清的字" in line and "挤在一起" in line and "overlap" in line for line in problems.splitlines())


@pytest.mark.parametrize("name", ["home", "categories", "status"])
def test_every_screen_is_narrated_when_shown(ui, name):
    app = ui.app
    if name != "home":
        app.go(name)
        ui.pump(0.1)
    else:
        app.go("status")
        ui.pump(0.05)
        app.home()
        ui.pump(0.1)
    from assets.texts import speakable

    assert app.services.speaker.last == speakable(app.sm.current_screen.narration()) != ""
