"""The voice conversation's rules: confirm before anything, two failures → buttons, navigation words."""

from __future__ import annotations

import pytest

from sync.catalog import default_catalog
from voice.dialogue import VoiceDialogue
from voice.intents import IntentMatcher


@pytest.fixture
def dialogue() -> VoiceDialogue:
    cat = default_catalog()
    return VoiceDialogue(IntentMatcher.from_catalog(cat), cat)


def test_request_is_confirmed_before_it_is_made(dialogue):
    step = dialogue.heard("我 家 天然气 快 没 了，帮 我 充 一下")
    assert step.action == "confirm" and step.category == "gas_recharge"
    assert step.say.startswith("您是要代充燃气吗？")
    step = dialogue.heard("是的")
    assert step.action == "request" and step.category == "gas_recharge"
    assert dialogue.transcript == "我 家 天然气 快 没 了，帮 我 充 一下"


def test_no_then_a_new_request(dialogue):
    assert dialogue.heard("帮我买点菜").category == "shopping"
    assert dialogue.heard("不是").action == "again"
    step = dialogue.heard("我要送餐")
    assert step.action == "confirm" and step.category == "meal_delivery"
    assert dialogue.confirm().action == "request"     # tapped 是


def test_two_failures_offer_the_buttons(dialogue):
    assert dialogue.heard("现在几点了").action == "again"
    step = dialogue.heard("")
    assert step.action == "buttons" and step.target == "categories" and "点" in step.say


def test_no_twice_offers_the_buttons(dialogue):
    dialogue.heard("帮我挂个号")
    assert dialogue.deny().action == "again"
    dialogue.heard("帮我挂个号")
    assert dialogue.deny().action == "buttons"


def test_yes_without_a_pending_request_does_not_make_one(dialogue):
    assert dialogue.heard("是的").action == "again"
    assert dialogue.confirm().action == "again"


@pytest.mark.parametrize("text, target", [("回首页", "home"), ("我想学手机", "lessons"), ("查进度", "status")])
def test_navigation_words(dialogue, text, target):
    step = dialogue.heard(text)
    assert step.action == "go" and step.target == target


def test_repeat_keeps_the_pending_question(dialogue):
    dialogue.heard("燃起卡没钱了")
    assert dialogue.heard("没听清").action == "repeat"
    assert dialogue.heard("对").action == "request"
