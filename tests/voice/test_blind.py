"""The blind held-out sets (tests/voice/blind/, written from the categories' descriptions by someone who never saw
the matcher, frozen with SHA256SUMS, scored once after the matcher work was committed; see bench/RESULTS.md).

The two safety properties a kiosk should have on them: 0 wrong categories among requests, and at most 1 in 10
non-requests accepted. Neither holds yet; the figures are recorded as they are and the matcher was not tuned
on these sets after scoring. strict xfail: the day both hold, this test fails and the mark must go.
"""

from __future__ import annotations

import pytest

from sync.catalog import default_catalog
from tests.voice.blind_score import load, score, sets, verify
from voice.intents import IntentMatcher


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    matcher = IntentMatcher.from_catalog(default_catalog())
    return {name: score(matcher, load(name)) for name in sets()}


def test_blind_sets_are_the_frozen_ones():
    verify()
    assert len(sets()) == 6
    assert sum(len(load(n)) for n in sets()) == 312


@pytest.mark.xfail(strict=True, reason="on the blind sets the matcher sends 14 of 252 requests to a wrong category "
                                       "(8 indirect, 4 long-winded, 1 dialect, 1 two-request) and accepts 18 of 60 "
                                       "non-requests; see bench/RESULTS.md")
def test_blind_sets_never_send_a_request_to_a_wrong_category_and_accept_few_non_requests(results):
    wrong = sum(r["wrong_category"] for r in results.values())
    accepted = sum(r["non_requests_accepted"] for r in results.values())
    non_requests = sum(r["non_requests"] for r in results.values())
    assert wrong == 0
    assert accepted <= non_requests / 10
