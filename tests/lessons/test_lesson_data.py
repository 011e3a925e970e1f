"""Every bundled lesson passes the validator; bad files are refused with file and field named."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sync.lessons import LESSONS_DIR, LessonError, load_file, load_lessons, parse_lesson, save_downloaded

REQUIRED_TITLES = {"扫码付款", "微信视频通话", "发语音消息", "把手机字体调大", "连接无线网络", "手机缴燃气费和水电费",
                   "医院预约挂号", "识别电信诈骗", "手机打车", "拍照发给家人"}


def test_every_bundled_lesson_is_valid_and_complete():
    lessons = load_lessons()
    assert {x.title for x in lessons.values()} >= REQUIRED_TITLES
    for lesson in lessons.values():
        assert 4 <= len(lesson.steps) <= 8, lesson.id
        assert all(s.narration and s.text for s in lesson.steps)
        assert all(s.sketch or s.practice for s in lesson.steps)
    assert any(s.practice == "pay" for s in lessons["scan_pay"].steps)


def test_cli_validates_all(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sync.lessons"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) >= 10
    bad = tmp_path / "b"
    bad.mkdir()
    (bad / "x.toml").write_text("id = 'x'", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "sync.lessons", str(bad)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0   # a bad downloaded file is skipped, never breaks the bundled lessons


def _good() -> dict:
    return load_file(LESSONS_DIR / "font_size.toml").to_data()


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("title"), "top level: field 'title' must be a non-empty string"),
    (lambda d: d.update(title="Scan"), "field 'title' must be Simplified Chinese"),
    (lambda d: d.update(summary="打开第2个图标"), "field 'summary' contains '2'"),
    (lambda d: d.update(level=7), "field 'level' must be one of 1, 2, 3"),
    (lambda d: d.update(steps=d["steps"][:3]), "needs 4 to 8 [[steps]], found 3"),
    (lambda d: d["steps"][1].update(narration=""), "step 2: field 'narration' must be a non-empty string"),
    (lambda d: d["steps"][0]["sketch"].append({"kind": "bubbles", "text": "好"}),
     "step 1 sketch #3: field 'kind' must be one of"),
    (lambda d: d["steps"][0]["sketch"][1].update(point="电视"), "step 1 sketch #2: field 'point' must be one of the items"),
    (lambda d: d["steps"][2].update(colour="red"), "step 3: unknown field 'colour'"),
    (lambda d: d["steps"][2].update(practice="dance"), "step 3: field 'practice' must be one of pay"),
])
def test_errors_name_the_file_and_field(change, message):
    data = _good()
    change(data)
    with pytest.raises(LessonError) as err:
        parse_lesson(data, "assets/lessons/font_size.toml")
    assert str(err.value).startswith("assets/lessons/font_size.toml: ")
    assert message in str(err.value)


def test_file_name_must_match_id(tmp_path):
    (tmp_path / "other.toml").write_text((LESSONS_DIR / "wifi.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(LessonError, match=r"other.toml: top level: field 'id' is 'wifi'"):
        load_file(tmp_path / "other.toml")


def test_newer_downloaded_version_wins_and_older_is_ignored(tmp_path):
    data = _good()
    data["version"] = 5
    data["title"] = "把字调大"
    save_downloaded(tmp_path, data)
    assert load_lessons(tmp_path)["font_size"].title == "把字调大"
    data["version"] = 0
    with pytest.raises(LessonError, match="field 'version'"):
        save_downloaded(tmp_path / "other", data)
    assert not (tmp_path / "other" / "font_size.json").exists()


def test_spoken_numbers_are_chinese():
    from assets.texts import speakable

    assert speakable("第3步/共12步，已到20人，502室，第10步") == "第三步，共十二步，已到二十人，五零二室，第十步"


def test_lesson_and_screen_sentences_pass_the_pronunciation_check():
    """What the lesson screens build at run time, checked with espeak-ng like B's check of the data files."""
    import shutil

    from assets.texts import speakable
    from voice.pronounce import problems

    assert shutil.which("espeak-ng"), "espeak-ng missing: scripts/setup installs it"
    samples = ["第3步。打开微信", "已添加3号楼2单元502室的学员。", "记好了，12位学员学会了。下课啦，谢谢老师。"]
    assert {s: problems(speakable(s)) for s in samples} == {s: [] for s in samples}
