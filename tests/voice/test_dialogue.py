"""The voice dialogue (voice/dialogue.py) as plain Python, no window: the real matcher, catalog and texts."""

from __future__ import annotations

import pytest

from assets.texts import section
from sync.catalog import default_catalog
from voice.dialogue import OFFER_S, Dialogue
from voice.intents import IntentMatcher

TEXTS = section("voice")   # the voice screen's texts in the one catalogue (assets/texts.toml)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dialogue(matcher, clock) -> Dialogue:
    labels = {c.id: c.label for c in default_catalog().categories}
    return Dialogue(matcher, labels, TEXTS, clock)


def test_a_clear_request_is_confirmed_then_started_on_yes(dialogue):
    step = dialogue.heard("我 家 天然 气 快 没 了 帮 我 充 一下")
    assert step.state == "confirm" and step.headline == "您是要代充燃气吗？" and step.start is None
    assert step.say.startswith("您是要代充燃气吗？") and "我家天然气快没了帮我充一下" in step.detail
    step = dialogue.heard("对 着 呢")
    assert step.start == "gas_recharge" and step.transcript == "我家天然气快没了帮我充一下"


def test_a_near_tie_is_one_question_between_two_and_the_tap_is_the_answer(dialogue):
    step = dialogue.heard("煤气没有了做不成饭了")
    assert step.state == "ask" and set(step.options) == {"gas_recharge", "meal_delivery"}
    assert step.headline in ("您是要代充燃气，还是上门送餐？", "您是要上门送餐，还是代充燃气？")
    assert step.start is None
    step = dialogue.pick("meal_delivery")
    assert step.start == "meal_delivery" and step.transcript == "煤气没有了做不成饭了"


@pytest.mark.parametrize("answer, picked", [
    ("燃气", "gas_recharge"), ("充 燃气", "gas_recharge"), ("送饭", "meal_delivery"), ("上门送餐", "meal_delivery"),
    ("代充燃气", "gas_recharge"),
])
def test_the_question_between_two_is_answered_by_voice(dialogue, answer, picked):
    dialogue.heard("煤气没有了做不成饭了")
    assert dialogue.heard(answer).start == picked


def test_first_and_second_name_the_buttons_in_their_order(dialogue):
    options = dialogue.heard("煤气没有了做不成饭了").options
    assert dialogue.heard("第 二 个").start == options[1]
    options = dialogue.heard("煤气没有了做不成饭了").options
    assert dialogue.heard("前面那个").start == options[0]


def test_neither_of_the_two_asks_again_and_counts_as_a_failure(dialogue):
    dialogue.heard("煤气没有了做不成饭了")
    step = dialogue.heard("都 不 是")
    assert step.state == "retry" and step.start is None and dialogue.failures == 1


def test_something_else_during_the_question_repeats_it(dialogue):
    first = dialogue.heard("煤气没有了做不成饭了")
    again = dialogue.heard("今天天气好")
    assert again.state == "ask" and again.headline == first.headline and again.start is None


def test_two_requests_confirm_the_first_then_offer_the_second_on_the_next_visit(dialogue, clock):
    step = dialogue.heard("帮我充一下燃气，还有帮我买点菜")
    assert step.state == "confirm" and step.headline == "您是要代充燃气吗？"
    assert "代买物品" in step.say                     # the second is named, to be done after
    assert dialogue.yes().start == "gas_recharge"
    clock.now += 60                                    # the first request filed, back at the voice screen
    offer = dialogue.begin()
    assert offer.state == "confirm" and offer.headline == "您还要代买物品吗？"
    assert dialogue.yes().start == "shopping"
    assert dialogue.begin() is None                    # offered once


def test_no_to_the_first_of_two_offers_the_second_at_once(dialogue):
    dialogue.heard("帮我充一下燃气，还有帮我买点菜")
    step = dialogue.no()
    assert step.state == "confirm" and step.headline == "您是要代买物品吗？"
    assert dialogue.heard("是的").start == "shopping"


def test_the_second_request_is_not_offered_to_the_next_resident(dialogue, clock):
    dialogue.heard("帮我充一下燃气，还有帮我买点菜")
    dialogue.yes()
    clock.now += OFFER_S + 1
    assert dialogue.begin() is None
    dialogue.heard("帮我充一下燃气，还有帮我买点菜")
    dialogue.yes()
    dialogue.forget()                                  # the kiosk's idle reset
    assert dialogue.begin() is None


def test_two_failures_fall_back_to_the_buttons(dialogue):
    assert dialogue.heard("现在 几点 了").state == "retry"
    step = dialogue.heard("", silent=True)
    assert step.state == "fallback" and step.say == TEXTS["fallback"] and dialogue.failures == 2


def test_no_speech_says_so(dialogue):
    step = dialogue.heard("", silent=True)
    assert step.state == "retry" and step.detail == TEXTS["no_speech"]


def test_ways_around_the_kiosk_by_voice(dialogue):
    assert dialogue.heard("回首页").go == "home"
    assert dialogue.heard("查 进度").go == "status"
    dialogue.heard("帮我买点菜")
    assert dialogue.heard("回首页").go == "home"


def test_another_request_instead_of_yes_is_confirmed_instead(dialogue):
    dialogue.heard("帮 我 买 点 菜")
    step = dialogue.heard("我 要 去 医院 看病 没 人 陪")
    assert step.state == "confirm" and "陪同就医" in step.headline


def test_the_answer_grammar_for_two_holds_only_their_words(dialogue):
    phrases = {c.id: list(c.phrases) for c in default_catalog().categories}
    dialogue.heard("煤气没有了做不成饭了")
    words = dialogue.answer_words(phrases)
    assert "代充燃气" in words and "上门送餐" in words and "送饭" in words and "不是" in words
    assert "买菜" not in words and "陪诊" not in words
    dialogue.heard("帮我买点菜")
    assert "买菜" in dialogue.answer_words(phrases) and "是的" in dialogue.answer_words(phrases)
