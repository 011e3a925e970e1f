"""The learning loop's kiosk side (voice/scrub.py): an utterance the kiosk could not place keeps the words of the
need and loses digits and name-like words before it may leave the kiosk."""

from __future__ import annotations

import pytest

from voice.scrub import scrub


@pytest.mark.parametrize("said, kept", [
    ("我叫王建国，住3号楼402，电话13912345678，燃气卡没钱了", "我叫某，住号楼，电话，燃气卡没钱了"),
    ("我的电话是一三九一二三四五六七八", "我的电话是"),
    ("四零二的暖气不热", "的暖气不热"),
    ("１３９００００２２２２帮我充气", "帮我充气"),                     # full-width digits
    ("王大爷家的水管漏了", "某大爷家的水管漏了"),
    ("张阿姨和李书记吵架了", "某阿姨和某书记吵架了"),
    ("王建国书记让我来反映", "某书记让我来反映"),
    ("小李让我来反映一下楼道灯不亮", "某让我来反映一下楼道灯不亮"),
    ("老王家的狗天天叫", "某家的狗天天叫"),
    ("我是刘秀英的老伴", "我是某的老伴"),
    ("我姓赵", "我姓某"),
])
def test_digits_and_names_are_removed(said, kept):
    assert scrub(said) == kept


@pytest.mark.parametrize("said", [
    "帮我买一下菜", "小区门口的垃圾没人收", "老年食堂的饭能送吗", "我小孙子放假了", "周末家里没人",
    "想请人陪我去看医生", "找社区书记说一下", "楼道灯不亮", "燃气卡没钱了", "屋里气莫了", "",
])
def test_the_words_of_the_need_stay(said):
    assert scrub(said) == said
