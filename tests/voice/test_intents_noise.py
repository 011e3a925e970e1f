"""The resident set again, through simulated recognition errors (tests/voice/asr_noise.py, fixed seeds):
homophones and dialect sounds must not change the category, and must not turn small talk into a request."""

from __future__ import annotations

import random

import pytest

from sync.catalog import default_catalog
from tests.voice.asr_noise import corrupt
from tests.voice.test_intents import load_set
from voice.intents import IntentMatcher


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog())


def noisy(rows, kind: str, swaps: int, seed: int):
    rng = random.Random(seed)
    for expected, text in rows:
        for _ in range(swaps):
            text = text and corrupt(text, kind, rng)
        if text:
            yield expected, text


@pytest.mark.parametrize("kind", ["homophone", "dialect"])
@pytest.mark.parametrize("swaps, floor", [(1, 0.95), (2, 0.90)])
def test_requests_survive_recognition_errors(matcher, kind, swaps, floor):
    rows = [r for r in load_set("utterances.tsv") if r[0] != "none"]
    got = [(e, matcher.match(t).intent, t) for e, t in noisy(rows, kind, swaps, seed=11)]
    assert len(got) >= 50
    right = sum(e == g for e, g, _ in got) / len(got)
    wrong = [(e, g, t) for e, g, t in got if g not in (None, e)]
    assert right >= floor
    assert len(wrong) <= len(got) * 0.01, wrong


@pytest.mark.parametrize("kind", ["homophone", "dialect"])
def test_small_talk_stays_small_talk_through_errors(matcher, kind):
    rows = [r for r in load_set("utterances.tsv") if r[0] == "none"] * 3
    got = [matcher.match(t).intent for _, t in noisy(rows, kind, 1, seed=13)]
    assert len(got) >= 40
    assert sum(g is not None for g in got) <= len(got) * 0.05
