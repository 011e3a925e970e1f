"""The lessons the server offers: the bundled ones, overridden by newer versions in <data dir>/lessons/."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from sync.lessons import Lesson, load_lessons


def lessons_dir() -> Path:
    return Path(settings.DATA_DIR) / "lessons"


def server_lessons() -> dict[str, Lesson]:
    return load_lessons(lessons_dir())
