"""Smartphone lessons (assets/lessons/*.toml): one loader and validator, read by kiosk and server.

A lesson is data: id, title, spoken summary, level, version and 4-8 steps. Each step has large
text, the narration read aloud, a phone-screen sketch (a list of simple elements stacked top to
bottom that screens/phonesketch.py draws in code) and optionally a practice action ("pay").

Lessons can be updated from the server without reinstalling the kiosk: the kiosk keeps
downloaded lessons as JSON in <data_dir>/lessons/ and `load_lessons()` takes, per id, the
highest version among the bundled and downloaded files. Every error names the file and field.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

LESSONS_DIR = Path(files("assets") / "lessons")

MIN_STEPS, MAX_STEPS = 4, 8
PRACTICES = ("pay",)
LEVELS = (1, 2, 3)
_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Read aloud by espeak-ng, Latin letters and digits come out as English or as odd syllables.
_NOT_SPEAKABLE = re.compile(r"[A-Za-z0-9]")

# Sketch elements: kind -> (required fields, optional fields). Shown, some read aloud nowhere.
SKETCH_KINDS: dict[str, tuple[set[str], set[str]]] = {
    "bar": ({"text"}, {"point"}),                  # the app's title bar
    "label": ({"text"}, {"point", "big"}),         # a line of text
    "button": ({"text"}, {"point", "tone"}),       # a wide button
    "apps": ({"items"}, {"point"}),                # a row of app icons with names; point = the name
    "qr": (set(), {"point"}),                      # a QR-like symbol (drawn so no scanner decodes it)
    "bubble": ({"text"}, {"side", "point"}),       # a chat bubble, side = "left" | "right"
    "toggle": ({"text"}, {"on", "point"}),         # a setting with an on/off switch
    "slider": ({"text"}, {"value", "point"}),      # a setting with a slider, value 0..1
    "input": ({"text"}, {"point"}),                # a box to fill in
    "call": ({"text"}, {"point"}),                 # a caller's face with red and green buttons
    "warning": ({"text"}, {"point"}),              # a red warning box
}
TONES = ("green", "blue", "red", "grey")
MAX_SKETCH = 7


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Step:
    text: str
    narration: str
    sketch: tuple[dict, ...]
    practice: str = ""


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    level: int
    version: int
    steps: tuple[Step, ...]
    source: str = ""

    def to_data(self) -> dict:
        """The same fields as the file, for the server's catalog and the kiosk's download cache."""
        return {"id": self.id, "title": self.title, "summary": self.summary, "level": self.level,
                "version": self.version,
                "steps": [{"text": s.text, "narration": s.narration, "sketch": [dict(e) for e in s.sketch],
                           **({"practice": s.practice} if s.practice else {})} for s in self.steps]}

    def spoken(self) -> list[str]:
        """Every sentence the kiosk reads aloud or shows in large type (for the pronunciation check)."""
        out = [self.title, self.summary]
        for s in self.steps:
            out += [s.text, s.narration]
        return out


def _fail(source: str, where: str, msg: str) -> LessonError:
    return LessonError(f"{source}: {where}: {msg}")


def _text(source: str, where: str, entry: dict, field: str, *, limit: int = 200) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, where, f"field '{field}' must be a non-empty string")
    value = value.strip()
    if not _HAN.search(value):
        raise _fail(source, where, f"field '{field}' must be Simplified Chinese, got {value!r}")
    bad = _NOT_SPEAKABLE.search(value)
    if bad:
        raise _fail(source, where, f"field '{field}' contains {bad.group()!r}: write numbers and names in Chinese characters")
    if len(value) > limit:
        raise _fail(source, where, f"field '{field}' is {len(value)} characters long (at most {limit})")
    return value


def _int(source: str, where: str, entry: dict, field: str, allowed=None) -> int:
    value = entry.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or (allowed and value not in allowed):
        want = f"one of {', '.join(map(str, allowed))}" if allowed else "a positive integer"
        raise _fail(source, where, f"field '{field}' must be {want}, got {value!r}")
    return value


def _flag(name: str):
    return lambda v, el: None if isinstance(v, bool) else f"field '{name}' must be true or false"


def _point(v, el) -> str | None:
    if "items" in el:   # a home screen's app to tap (checked after the items themselves)
        return None if v in el["items"] else f"field 'point' must be one of the items, got {v!r}"
    return None if isinstance(v, bool) else "field 'point' must be true or false"


# What each optional or required field of a sketch element may hold: field -> check(value, element) -> error or None.
# Checked in this order, so the first wrong field is the one reported.
_SKETCH_FIELDS = {
    "text": lambda v, el: None if isinstance(v, str) and v.strip() and len(v) <= 24 else
    "field 'text' must be a non-empty string of at most 24 characters",
    "items": lambda v, el: None if isinstance(v, list) and 1 <= len(v) <= 4 and all(
        isinstance(x, str) and 0 < len(x) <= 4 for x in v) else
    "field 'items' must list 1 to 4 app names of at most 4 characters",
    "point": _point,
    "tone": lambda v, el: None if v in TONES else f"field 'tone' must be one of {', '.join(TONES)}, got {v!r}",
    "side": lambda v, el: None if v in ("left", "right") else "field 'side' must be \"left\" or \"right\"",
    "on": _flag("on"),
    "big": _flag("big"),
    "value": lambda v, el: None if not isinstance(v, bool) and isinstance(v, (int, float)) and 0 <= v <= 1 else
    "field 'value' must be a number from 0 to 1",
}


def _sketch_element(source: str, w: str, el: Any) -> dict:
    if not isinstance(el, dict):
        raise _fail(source, w, "must be a table like {kind = \"button\", text = \"确定\"}")
    kind = el.get("kind")
    if kind not in SKETCH_KINDS:
        raise _fail(source, w, f"field 'kind' must be one of {', '.join(SKETCH_KINDS)}, got {kind!r}")
    required, optional = SKETCH_KINDS[kind]
    unknown = set(el) - required - optional - {"kind"}
    if unknown:
        raise _fail(source, w, f"unknown field '{sorted(unknown)[0]}' for kind '{kind}'")
    missing = required - set(el)
    if missing:
        raise _fail(source, w, f"field '{sorted(missing)[0]}' is required for kind '{kind}'")
    for field, check in _SKETCH_FIELDS.items():
        error = check(el[field], el) if field in el else None
        if error:
            raise _fail(source, w, error)
    return dict(el)


def _sketch(source: str, where: str, raw: Any) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(source, where, "field 'sketch' must be a non-empty list of elements")
    if len(raw) > MAX_SKETCH:
        raise _fail(source, where, f"field 'sketch' has {len(raw)} elements (at most {MAX_SKETCH} fit on the phone)")
    return tuple(_sketch_element(source, f"{where} sketch #{i}", el) for i, el in enumerate(raw, 1))


def parse_lesson(data: Any, source: str) -> Lesson:
    if not isinstance(data, dict):
        raise _fail(source, "top level", "must be a table")
    unknown = set(data) - {"id", "title", "summary", "level", "version", "steps"}
    if unknown:
        raise _fail(source, "top level", f"unknown field '{sorted(unknown)[0]}'")
    lid = data.get("id")
    if not isinstance(lid, str) or not _ID.match(lid):
        raise _fail(source, "top level", f"field 'id' must be lower-case letters, digits and _, got {lid!r}")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not MIN_STEPS <= len(raw_steps) <= MAX_STEPS:
        n = len(raw_steps) if isinstance(raw_steps, list) else 0
        raise _fail(source, "top level", f"needs {MIN_STEPS} to {MAX_STEPS} [[steps]], found {n}")
    steps = []
    for i, st in enumerate(raw_steps, 1):
        where = f"step {i}"
        if not isinstance(st, dict):
            raise _fail(source, where, "must be a table")
        unknown = set(st) - {"text", "narration", "sketch", "practice"}
        if unknown:
            raise _fail(source, where, f"unknown field '{sorted(unknown)[0]}'")
        practice = st.get("practice", "")
        if practice and practice not in PRACTICES:
            raise _fail(source, where, f"field 'practice' must be one of {', '.join(PRACTICES)}, got {practice!r}")
        steps.append(Step(text=_text(source, where, st, "text", limit=40),
                          narration=_text(source, where, st, "narration", limit=160),
                          sketch=() if practice else _sketch(source, where, st.get("sketch")),
                          practice=practice))
        if practice and "sketch" in st:
            raise _fail(source, where, "a practice step shows the practice QR code: leave out 'sketch'")
    return Lesson(id=lid, title=_text(source, "top level", data, "title", limit=12),
                  summary=_text(source, "top level", data, "summary", limit=120),
                  level=_int(source, "top level", data, "level", LEVELS),
                  version=_int(source, "top level", data, "version"),
                  steps=tuple(steps), source=source)


def load_file(path: Path) -> Lesson:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LessonError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LessonError(f"{path}: not valid {path.suffix.lstrip('.').upper()}: {exc}") from None
    lesson = parse_lesson(data, str(path))
    if path.stem != lesson.id:
        raise _fail(str(path), "top level", f"field 'id' is {lesson.id!r} but the file is named {path.name}")
    return lesson


def load_lessons(*extra_dirs: Path | str | None, bundled: Path = LESSONS_DIR) -> dict[str, Lesson]:
    """id -> lesson, bundled TOML files overridden by newer versions in `extra_dirs` (JSON or TOML).

    A bad bundled file raises; a bad downloaded file is skipped (the bundled lesson stays usable).
    """
    lessons: dict[str, Lesson] = {}
    for path in sorted(Path(bundled).glob("*.toml")):
        lesson = load_file(path)
        lessons[lesson.id] = lesson
    for d in extra_dirs:
        if not d or not Path(d).is_dir():
            continue
        for path in sorted(Path(d).glob("*.json")) + sorted(Path(d).glob("*.toml")):
            try:
                lesson = load_file(path)
            except LessonError:
                continue
            if lesson.id not in lessons or lesson.version > lessons[lesson.id].version:
                lessons[lesson.id] = lesson
    if not lessons:
        raise LessonError(f"{bundled}: no lessons found")
    return dict(sorted(lessons.items(), key=lambda kv: (kv[1].level, kv[0])))


def save_downloaded(directory: Path, data: dict) -> Lesson:
    """Validate a lesson received from the server and store it atomically; raises LessonError."""
    lesson = parse_lesson(data, f"server lesson {data.get('id') if isinstance(data, dict) else '?'}")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{lesson.id}.tmp"
    tmp.write_text(json.dumps(lesson.to_data(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(directory / f"{lesson.id}.json")
    return lesson


def main(argv: list[str] | None = None) -> int:
    """`python -m sync.lessons [DIR...]`: validate the lessons, print id/version/steps as JSON."""
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m sync.lessons", description=main.__doc__)
    p.add_argument("dirs", nargs="*", help="extra folders of downloaded lessons")
    args = p.parse_args(argv)
    try:
        lessons = load_lessons(*args.dirs)
    except LessonError as exc:
        print(f"lessons: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps([{"id": x.id, "version": x.version, "steps": len(x.steps)} for x in lessons.values()],
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
