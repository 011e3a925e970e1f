"""Class mode, drawn for a room (issue 13.6): step 1's big type never runs into the header, the teacher-PIN
and door keypads show what was typed, and numbers to dial are drawn as digits on the phone sketch."""

from __future__ import annotations

from tests.ui import find


def _rect(w):
    x, y = w.to_window(*w.pos)
    return x, y, x + w.width, y + w.height


def test_step_one_of_every_lesson_stays_below_the_header_in_class(ui, artefacts):
    app = ui.app
    svc = app.services.lessons
    try:
        for lesson_id in svc.lessons:
            svc.choose(lesson_id)
            svc.session = {"uuid": "00000000-0000-4000-8000-000000000001", "lesson_id": lesson_id,
                           "started_at": "2026-11-29T10:00:00+08:00"}
            app.go("lesson")
            ui.pump(0.15)
            screen = app.sm.current_screen
            assert screen.in_class and screen.index == 0
            header = screen.children[0].children[-1]            # the title row
            labels = [w for w in find.walk(screen) if hasattr(w, "font_size") and w.text and w.text == screen.wrap(
                screen.step_text, w.width, w.font_size)]
            assert labels, lesson_id
            step = labels[0]
            assert _rect(step)[3] <= _rect(header)[1] + 1, f"{lesson_id}: step 1 runs into the header"
            if lesson_id == "fraud":
                ui.screenshot(artefacts / "screens" / "class_step1_fraud.png")
            app.home()
            ui.pump(0.05)
    finally:
        svc.session = None


def test_the_fraud_lesson_draws_the_numbers_to_dial_as_digits():
    from sync.lessons import load_lessons

    texts = [e["text"] for s in load_lessons()["fraud"].steps for e in s.sketch if "text" in e]
    assert any("96110" in x for x in texts) and any("110" in x for x in texts)
    assert not any("幺" in x for x in texts)   # words only when spoken


def test_teacher_pin_and_door_keypads_show_what_was_typed(ui, artefacts):
    app = ui.app
    app.go("class")
    ui.pump(0.1)
    screen = app.sm.current_screen
    assert screen.stage == "pin"
    find.type_digits(ui, "12")
    assert "● ●" in find.texts(screen) and "12" not in find.texts(screen).replace("1\n", "").replace("2\n", "")
    ui.screenshot(artefacts / "screens" / "class_pin_typed.png")
    app.home()
