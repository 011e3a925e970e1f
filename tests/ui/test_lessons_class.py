"""Class mode by touch: teacher PIN, lesson, attendance (a new learner added by building, unit and room, no
typing), the teacher advances the steps, 学会了 — attendance and progress queued in the durable outbox.
Plus the accessibility audit of every lesson screen."""

from __future__ import annotations

from tests.audit import audit_screen
from tests.ui.find import texts
from tests.ui.test_lessons_player import open_lesson, tap


def _type(ui, digits: str) -> None:
    for d in digits:
        tap(ui, d)


def _progress_items(ui) -> list[dict]:
    return [i for i in ui.app.services.outbox.due(1000, force=True) if i["kind"] == "lesson_progress"]


def test_class_session_by_touch_queues_attendance_and_progress(ui, artefacts):
    before = {i["uuid"] for i in _progress_items(ui)}
    ui.app.go("admin")                     # where staff go: residents never meet a PIN
    _type(ui, ui.app.services.config["kiosk"]["admin_pin"])
    tap(ui, "确定")
    tap(ui, "老师上课")
    screen = ui.app.sm.current_screen
    assert screen.name == "class" and screen.stage == "pin"
    _type(ui, "0000")
    tap(ui, "确定")
    assert screen.stage == "pin" and "密码不对" in screen.message
    _type(ui, ui.app.services.config["kiosk"]["teacher_pin"])
    tap(ui, "确定")
    assert screen.stage == "lesson"
    ui.screenshot(artefacts / "screens" / "class-lesson.png")
    while "发语音消息" not in texts(screen):
        tap(ui, "下一页")
    tap(ui, "发语音消息")
    assert screen.stage == "roster"
    for building, unit, room in (("3号楼", "2单元", "502"), ("1号楼", "1单元", "101")):
        tap(ui, "添加新学员")
        tap(ui, building)
        tap(ui, unit)
        _type(ui, room)
        tap(ui, "确定")
    assert screen.stage == "roster" and "已到2人" in screen.heading
    ui.screenshot(artefacts / "screens" / "class-roster.png")
    tap(ui, "开始上课（2人）")
    assert ui.app.sm.current == "lesson"
    player = ui.app.sm.current_screen
    assert player.in_class and not player.idle_reset
    ui.screenshot(artefacts / "lessons" / "class-voice_message-step1.png")
    for _ in range(player.count):
        tap(ui, "下一步")
    tap(ui, "学会了")
    assert ui.app.sm.current == "class" and screen.stage == "results" and "（2/2人）" in screen.heading
    tap(ui, "✔ 1号楼1单元101室")          # the teacher: this one needs another go
    assert "（1/2人）" in screen.heading
    ui.screenshot(artefacts / "screens" / "class-results.png")
    tap(ui, "记下来，下课")
    ui.pump(0.1)
    assert ui.app.sm.current == "lessons" and "一位学员学会了" in ui.app.services.speaker.last
    new = [i for i in _progress_items(ui) if i["uuid"] not in before]
    assert sorted((i["outcome"], i["learner"]["name"]) for i in new) == [
        ("again", "1号楼1单元101室"), ("attended", "1号楼1单元101室"), ("attended", "3号楼2单元502室"),
        ("finished", "3号楼2单元502室")]
    assert len({i["session"]["uuid"] for i in new}) == 1
    assert {i["lesson_id"] for i in new} == {"voice_message"}


def test_lesson_screens_pass_the_accessibility_audit(ui, artefacts):
    tap(ui, "学用手机")
    problems = {"lessons": audit_screen(ui, "lessons")}
    ui.app.home()
    open_lesson(ui, "连接无线网络")
    player = ui.app.sm.current_screen
    problems["lesson step"] = audit_screen(ui, "lesson")
    for _ in range(player.count):
        tap(ui, "下一步")
    problems["lesson end"] = audit_screen(ui, "lesson")
    ui.app.go("class")
    ui.pump(0.1)
    problems["class pin"] = audit_screen(ui, "class")
    assert problems == {k: [] for k in problems}
