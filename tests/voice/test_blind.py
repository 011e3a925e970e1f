"""The blind sets of issue 14: each round written from the categories' descriptions by someone who never saw the
matcher, frozen with SHA256SUMS, scored ONCE as a held-out set after that round's matcher work (bench/RESULTS.md).

- Round 1 (tests/voice/blind/): TUNING since round 2, which studied its misses by cause.
- Round 2 (tests/voice/blind2/): TUNING since round 3, which studied its misses by cause (sound across word
  boundaries, talk with no need told, everyday vocabulary, patterns for words that stand apart).
- Round 3 (tests/voice/blind3/): written outside this tree from the categories' labels and confirmation questions
  only, frozen, scored once as held out after round 3 (2636274: 87.7 % top-1, 6 wrong of 300); TUNING since round 4,
  which studied its misses by cause (a quarrel about a leak, a gas meter's light, the building's iron door …).
- Round 4 (tests/voice/blind4/): HELD OUT. Written outside this tree the same way, frozen, copied here after the
  round-4 merge and scored once, before (f24119e) and after (bench/RESULTS.md). What does not hold is a strict
  xfail below.

On tuning sets the figures are optimistic; here their safety properties — 0 wrong categories among requests, at
most 1 in 10 non-requests accepted — and their accuracy are a regression guard.
"""

from __future__ import annotations

import pytest

from sync.catalog import default_catalog
from tests.voice.blind_score import BLIND, BLIND2, BLIND3, BLIND4, load, score, sets, verify
from voice.intents import IntentMatcher

TUNING = {BLIND: (6, 312), BLIND2: (5, 260), BLIND3: (7, 360)}    # folder: (sets, utterances) as frozen
HELD_OUT = {BLIND4: (7, 360)}


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog())


@pytest.fixture(scope="module")
def results(matcher) -> dict:
    return {folder: {name: score(matcher, load(name, folder)) for name in sets(folder)} for folder in TUNING}


@pytest.mark.parametrize("folder", {**TUNING, **HELD_OUT}, ids=lambda f: f.name)
def test_blind_sets_are_the_frozen_ones(folder):
    verify(folder)
    n_sets, n_rows = {**TUNING, **HELD_OUT}[folder]
    assert len(sets(folder)) == n_sets
    assert sum(len(load(n, folder)) for n in sets(folder)) == n_rows


@pytest.mark.parametrize("folder", TUNING, ids=lambda f: f.name)
def test_tuning_sets_never_send_a_request_to_a_wrong_category_and_accept_few_non_requests(results, folder):
    wrong = {n: r["wrong_category"] for n, r in results[folder].items() if r["wrong_category"]}
    accepted = sum(r["non_requests_accepted"] for r in results[folder].values())
    non_requests = sum(r["non_requests"] for r in results[folder].values())
    assert wrong == {}
    assert accepted <= non_requests / 10


@pytest.mark.parametrize("folder, top1, within", [(BLIND, 0.93, 0.99), (BLIND2, 0.94, 0.98), (BLIND3, 0.97, 0.99)],
                         ids=["blind", "blind2", "blind3"])
def test_tuning_sets_keep_their_accuracy(results, folder, top1, within):
    """Round 4's figures on the tuning sets, a little below (bench/RESULTS.md): a fall means a regression."""
    rs = results[folder].values()
    n = sum(r["utterances"] for r in rs)
    assert sum(r["top1"] * r["utterances"] for r in rs) / n >= top1
    assert sum(r["within_one_question"] * r["utterances"] for r in rs) / n >= within


def test_round_3_probes_never_send_a_request_to_a_wrong_category_and_accept_few_non_requests(matcher):
    """tests/voice/utterances_probe3.tsv: written while fixing this round's causes (tuning by construction)."""
    r = score(matcher, load("utterances_probe3.tsv", BLIND.parent))
    assert r["utterances"] >= 400
    assert r["wrong_category"] == 0
    assert r["non_requests_accepted"] <= r["non_requests"] * 0.02


@pytest.mark.xfail(strict=True, reason="issue 14 targets not met on the held-out round 4 (bench/RESULTS.md): "
                   "6 of 300 requests go to a wrong category; 86.0 % top-1 and 93.3 % within one question on "
                   "requests. Non-requests hold: 2 of 60 accepted.")
def test_held_out_round_4_meets_the_targets(matcher):
    rs = [score(matcher, load(name, BLIND4)) for name in sets(BLIND4)]
    assert sum(r["requests"] for r in rs) == 300
    assert sum(r["non_requests_accepted"] for r in rs) <= sum(r["non_requests"] for r in rs) / 10
    assert sum(r["wrong_category"] for r in rs) == 0
    n = sum(r["utterances"] for r in rs)
    assert sum(r["top1"] * r["utterances"] for r in rs) / n >= 0.95
    assert sum(r["within_one_question"] * r["utterances"] for r in rs) / n >= 0.99
