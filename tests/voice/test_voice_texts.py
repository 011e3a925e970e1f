"""Every sentence the voice screen shows or speaks is read by espeak-ng as Mandarin (no letters, digits, English)."""

from __future__ import annotations

import pytest

from assets.texts import section
from sync.catalog import default_catalog
from voice.pronounce import problems

TEXTS = section("voice")   # the voice screen's texts in the one catalogue (assets/texts.toml)


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_voice_screen_sentence_is_pronounceable(key):
    labels = [c.label for c in default_catalog().categories]
    filled = TEXTS[key].format(label=labels[0], text="我家天然气快没了", reason="没有找到麦克风。", a=labels[0],
                               b=labels[2], other=labels[1])
    assert problems(filled, "cmn-latn-pinyin") == []


def test_the_confirmation_names_every_category_speakably():
    for c in default_catalog().categories:
        assert problems(TEXTS["confirm_say"].format(label=c.label)) == []


def test_the_question_between_two_names_every_pair_speakably():
    labels = [c.label for c in default_catalog().categories]
    for a in labels:
        for b in labels[:3]:
            assert problems(TEXTS["ask_say"].format(a=a, b=b)) == []
