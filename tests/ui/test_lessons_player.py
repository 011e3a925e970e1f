"""The lessons list and player, driven by real touches on the real App (headless), with screenshots."""

from __future__ import annotations

import pytest

from tests.ui.find import button, texts
from tests.ui.find import tap as _tap


def tap(ui, text: str) -> None:
    """Tap like a person: never twice within the touch debounce (a second tap would be swallowed)."""
    ui.pump(ui.app.debounce_ms / 1000 + 0.02)
    _tap(ui, text)


def _open_lessons(ui):
    tap(ui, "学用手机")
    assert ui.app.sm.current == "lessons"


def open_lesson(ui, title: str) -> None:
    """From home: page through the lessons like a person until the tile shows, then tap it."""
    _open_lessons(ui)
    screen = ui.app.sm.current_screen
    while screen.page > 0:
        tap(ui, "上一页")
    while title not in {w.text for w in screen.ids.grid.children}:
        tap(ui, "下一页")
    tap(ui, title)
    assert ui.app.sm.current == "lesson"


def test_lessons_list_pages_through_all_lessons(ui, artefacts):
    from sync.lessons import load_lessons

    _open_lessons(ui)
    seen = set()
    screen = ui.app.sm.current_screen
    ui.screenshot(artefacts / "screens" / "lessons-1.png")
    for _ in range(screen.page_count):
        seen |= {w.text for w in screen.ids.grid.children}
        if screen.page < screen.page_count - 1:
            tap(ui, "下一页")
    assert {x.title for x in load_lessons().values()} <= seen
    assert "老师上课" not in seen   # staff entries live on the admin screen
    assert "学用手机" in ui.app.services.speaker.last
    # Back from a lesson on the last page: still the last page; from home again: the first page.
    last = screen.page
    assert last == screen.page_count - 1 > 0
    ui.tap(next(w for w in screen.ids.grid.children if w.text != "老师上课"))
    assert ui.app.sm.current == "lesson"
    tap(ui, "返回")
    assert ui.app.sm.current == "lessons" and screen.page == last
    tap(ui, "回首页")
    tap(ui, "学用手机")
    assert screen.page == 0


def test_player_walks_every_step_of_a_lesson_by_touch(ui, artefacts):
    from sync.lessons import load_lessons

    lesson = load_lessons()["video_call"]
    open_lesson(ui, lesson.title)
    screen = ui.app.sm.current_screen
    speaker = ui.app.services.speaker
    for i, step in enumerate(lesson.steps):
        ui.pump(0.1)
        shown = texts(screen).replace("\n", "")   # long lines are wrapped with line breaks
        assert f"第{i + 1}步/共{len(lesson.steps)}步" in shown
        assert step.text in shown and step.narration in shown
        assert step.narration in speaker.last
        ui.screenshot(artefacts / "lessons" / f"video_call-step{i + 1}.png")
        if i == 0:
            tap(ui, "再听一遍")
            assert speaker.spoken[-1] == speaker.spoken[-2]
        if i == 2:   # back and forth
            tap(ui, "上一步")
            assert f"第{i}步/共" in texts(screen)
            tap(ui, "下一步")
        tap(ui, "下一步")
    assert "学会了吗？" in texts(screen)
    ui.screenshot(artefacts / "lessons" / "video_call-end.png")
    tap(ui, "学会了")
    assert ui.app.sm.current == "lessons"
    assert "学会了" in speaker.last


@pytest.mark.parametrize("choice", ["还不会，再来一遍"])
def test_not_yet_starts_again_from_step_one(ui, choice):
    open_lesson(ui, "把手机字体调大")
    screen = ui.app.sm.current_screen
    for _ in range(screen.count):
        tap(ui, "下一步")
    tap(ui, choice)
    assert screen.index == 0 and not screen.at_end
    assert button(screen, "下一步")


def test_every_sketch_kind_has_a_draw_function(ui):
    from screens.phonesketch import DRAW, ROW
    from sync.lessons import SKETCH_KINDS

    assert set(DRAW) == set(ROW) == set(SKETCH_KINDS)
