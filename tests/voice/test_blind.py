"""The round-1 blind sets (tests/voice/blind/, written from the categories' descriptions by someone who never saw
the matcher, frozen with SHA256SUMS, scored once after round 1's matcher work; see bench/RESULTS.md).

They are TUNING sets now: round 2 of issue 14 studied their misses by cause and fixed the causes (word
boundaries, fixtures without a fault, flat vs building places, done-already and thanks cues, situational
phrases). Figures on them are optimistic; the held-out figures are round 2's (tests/voice/blind2/). Here the two
safety properties — 0 wrong categories among requests, at most 1 in 10 non-requests accepted — are a
regression guard only.

Round 2 (tests/voice/blind2/, HELD OUT): five sets written blind by someone who never saw the matcher, frozen with
SHA256SUMS, copied here and scored ONCE after the round-2 matcher work was committed; nothing was changed after.
The safety properties do not hold on them (6 of 200 requests sent to a wrong category, 9 of 60 non-requests
accepted): strict xfail with the figures. The day both hold, the test fails and the mark must go.
"""

from __future__ import annotations

import pytest

from sync.catalog import default_catalog
from tests.voice.blind_score import BLIND2, load, score, sets, verify
from voice.intents import IntentMatcher


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    matcher = IntentMatcher.from_catalog(default_catalog())
    return {name: score(matcher, load(name)) for name in sets()}


def test_blind_sets_are_the_frozen_ones():
    verify()
    assert len(sets()) == 6
    assert sum(len(load(n)) for n in sets()) == 312


def test_tuning_sets_of_round_1_never_send_a_request_to_a_wrong_category_and_accept_few_non_requests(results):
    wrong = sum(r["wrong_category"] for r in results.values())
    accepted = sum(r["non_requests_accepted"] for r in results.values())
    non_requests = sum(r["non_requests"] for r in results.values())
    assert wrong == 0
    assert accepted <= non_requests / 10


@pytest.fixture(scope="module")
def results2() -> dict[str, dict]:
    matcher = IntentMatcher.from_catalog(default_catalog())
    return {name: score(matcher, load(name, BLIND2)) for name in sets(BLIND2)}


def test_round_2_held_out_sets_are_the_frozen_ones():
    verify(BLIND2)
    assert sets(BLIND2) == ["blind2_dialect.tsv", "blind2_everyday.tsv", "blind2_none.tsv", "blind2_situation.tsv",
                            "blind2_two.tsv"]
    assert sum(len(load(n, BLIND2)) for n in sets(BLIND2)) == 260


@pytest.mark.xfail(strict=True, reason="on round 2's held-out sets the matcher sends 6 of 200 requests to a wrong "
                                       "category (4 situation, 1 dialect, 1 everyday) and accepts 9 of 60 "
                                       "non-requests (15 %); see bench/RESULTS.md")
def test_round_2_held_out_sets_never_send_a_request_to_a_wrong_category_and_accept_few_non_requests(results2):
    wrong = sum(r["wrong_category"] for r in results2.values())
    accepted = sum(r["non_requests_accepted"] for r in results2.values())
    non_requests = sum(r["non_requests"] for r in results2.values())
    assert wrong == 0
    assert accepted <= non_requests / 10
