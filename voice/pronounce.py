"""Does espeak-ng say a sentence as Mandarin? (Debian 12's voice `cmn` reads many characters as
pinyin with tone numbers in English, "ran two qi four": espeak-ng bug 1028.)

`problems(text, voice)` asks espeak-ng itself for the phonemes (`espeak-ng -v VOICE -q -x TEXT`) and
reports every stretch it reads as English, plus Latin letters and Arabic digits in the text (spelled
out letter by letter, or read as numbers the kiosk did not choose: write 二号楼, 六位 instead).
`spoken_texts()` gathers every sentence the kiosk may show or speak, for the test that checks them all
(tests/voice/test_pronounce.py, which also checks them filled in with the values filled in at run time).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from importlib.resources import files
from pathlib import Path

ASSETS = Path(files("assets"))

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")           # filled in at run time with Chinese words
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ]+")
_ENGLISH = re.compile(r"\(en\)(.*?)(?:\([a-z-]+\)|$)", re.S)
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Lesson fields that are read aloud (sketches are only drawn).
LESSON_SPOKEN = ("title", "summary", "text", "narration")


class EspeakMissing(RuntimeError):
    pass


def phonemes(text: str, voice: str) -> str:
    exe = shutil.which("espeak-ng")
    if not exe:
        raise EspeakMissing("espeak-ng is not installed (scripts/setup installs it)")
    r = subprocess.run([exe, "-v", voice, "-q", "-x", text], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise EspeakMissing(f"espeak-ng -v {voice} failed: {r.stderr.strip()}")
    return r.stdout


def problems(text: str, voice: str = "cmn-latn-pinyin") -> list[str]:
    """What espeak-ng `voice` would read out as letters, digits or English in `text`; [] when clean."""
    spoken = _PLACEHOLDER.sub("", text)
    found = [f"Latin letters or digits {m!r} are read out: write them in Chinese"
             for m in _LATIN_OR_DIGIT.findall(spoken)]
    if spoken.strip():
        for m in _ENGLISH.finditer(phonemes(spoken, voice)):
            found.append(f"read as English by espeak-ng voice {voice}: [{m.group(1).strip(' _|')}]")
    return found


def _strings(value, keys: tuple[str, ...] | None, key: str = ""):
    if isinstance(value, str):
        if (keys is None or key in keys) and _HAN.search(value):
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, keys, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, keys, key)


def spoken_texts(assets: Path = ASSETS) -> dict[str, list[str]]:
    """Every sentence the kiosk may show or speak, by source file: request catalog, the text catalogue
    (texts.toml; its [pronounce] table's values, not the written forms it replaces), lessons.
    The kiosk speaks them through assets.texts.speakable(): check that, not the raw text."""
    out: dict[str, list[str]] = {}
    catalog = tomllib.loads((assets / "catalog.toml").read_text(encoding="utf-8"))
    out["catalog.toml"] = [c[k] for c in catalog["category"] for k in ("label", "prompt")]
    texts = tomllib.loads((assets / "texts.toml").read_text(encoding="utf-8"))
    out["texts.toml"] = list(_strings(texts, None))
    for lesson in sorted((assets / "lessons").glob("*.toml")):
        out[f"lessons/{lesson.name}"] = list(_strings(tomllib.loads(lesson.read_text(encoding="utf-8")),
                                                      LESSON_SPOKEN))
    return out
