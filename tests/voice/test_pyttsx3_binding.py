"""voice/tts.py drives espeak-ng through pyttsx3's private `drivers._espeak` binding. pyttsx3 is pinned exactly
so an upgrade cannot move it under a post overnight; this test fails loudly when the pin or the lock moves to
a release whose binding lacks what tts.py uses."""

from __future__ import annotations

import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from voice import tts

ROOT = Path(__file__).resolve().parents[2]


def test_pyttsx3_is_pinned_exactly_and_installed_at_the_pin():
    kiosk_deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]["kiosk"]
    pins = [d for d in kiosk_deps if d.startswith("pyttsx3")]
    assert len(pins) == 1 and re.fullmatch(r"pyttsx3==[\w.]+", pins[0]), pins
    pinned = pins[0].split("==")[1]
    assert version("pyttsx3") == pinned
    for lock in ("dev.txt", "kiosk.txt"):
        assert f"pyttsx3=={pinned} " in (ROOT / "requirements" / lock).read_text("utf-8"), lock


def test_every_name_tts_uses_from_the_private_binding_exists():
    from pyttsx3.drivers import _espeak

    used = set(re.findall(r"\b(?:es|_espeak)\.([A-Za-z_]\w*)", inspect.getsource(tts._EspeakEngine)))
    assert {"Initialize", "Synth", "SetSynthCallback"} <= used   # the scan found the engine's calls
    missing = sorted(name for name in used if not hasattr(_espeak, name))
    assert not missing, f"pyttsx3 {version('pyttsx3')}: drivers._espeak lacks {missing}"
