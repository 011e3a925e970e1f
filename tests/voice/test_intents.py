"""Intent matching on the residents' test set (tests/voice/utterances*.tsv) and its rules one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.catalog import default_catalog
from voice.intents import IntentMatcher, strip_asr_spaces, syllables

HERE = Path(__file__).parent


def load_set(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            expected, text = line.split("\t")
            rows.append((expected, text))
    return rows


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.from_catalog(default_catalog())


def evaluate(matcher, rows):
    right = wrong_category = accepted_none = nones = 0
    for expected, text in rows:
        got = matcher.match(text).intent or "none"
        right += got == expected
        if expected == "none":
            nones += 1
            accepted_none += got != "none"
        elif got not in ("none", expected):
            wrong_category += 1
    return right / len(rows), wrong_category, accepted_none / nones


def test_set_is_big_and_covers_every_category():
    rows = load_set("utterances.tsv")
    assert len(rows) >= 300
    counts = {cid: sum(e == cid for e, _ in rows) for cid in default_catalog().ids}
    assert min(counts.values()) >= 20, counts
    assert sum(e == "none" for e, _ in rows) >= 40
    assert any(" " in t for _, t in rows) and any("尕" in t for _, t in rows) and any("阿么" in t for _, t in rows)


def test_accuracy_and_false_accepts_meet_the_targets(matcher):
    accuracy, wrong, false_accept = evaluate(matcher, load_set("utterances.tsv"))
    assert accuracy >= 0.95
    assert false_accept <= 0.02
    assert wrong <= 1


@pytest.mark.parametrize("name", ["utterances_heldout.tsv", "utterances_test.tsv"])
def test_held_out_sets_never_pick_a_wrong_category(matcher, name):
    """Written after tuning: misses must fall back to asking again, not to a wrong request."""
    accuracy, wrong, false_accept = evaluate(matcher, load_set(name))
    assert accuracy >= 0.90
    assert wrong == 0
    assert false_accept <= 0.05


def test_asr_spaces_are_stripped_but_latin_words_keep_theirs():
    assert strip_asr_spaces(" 我 要 充 燃气 ") == "我要充燃气"
    assert strip_asr_spaces("用 WeChat Pay 付钱") == "用WeChat Pay付钱"


@pytest.mark.parametrize("heard, meant", [
    ("燃起", "燃气"), ("带购", "代购"), ("陪真", "陪诊"),          # homophones a recogniser writes
    ("脑鼠", "老鼠"), ("兰", "南"),                             # n/l, an/ang
    ("肥管", "水管"), ("夫", "书"),                                # shu→fu, shui→fei
    ("门劲", "门禁"), ("森控", "声控"), ("造影", "噪音"),          # in/ing, en/eng + s/sh, z/zh
])
def test_dialect_and_homophones_fold_to_the_same_sound(heard, meant):
    assert [s.fold for s in syllables(heard)] == [s.fold for s in syllables(meant)]


@pytest.mark.parametrize("text, intent", [
    ("我 家 燃起 卡 没 钱 了", "gas_recharge"),
    ("尕娃帮我带购点菜", "shopping"),
    ("想找人陪真", "medical_escort"),
    ("肥管爆了", "home_repair"),
    ("嗯 那个 麻烦你 充 燃气", "gas_recharge"),      # filler around the request
    ("帮我挂个号", "medical_escort"),                 # a measure word inside the phrase
    ("陪我去医", "medical_escort"),                   # dropped characters: 陪我去医院
    ("老旧小改造", "building_facility"),              # 老旧小区改造
    ("视频通", "phone_class"),                        # 视频通话
])
def test_colloquial_requests(matcher, text, intent):
    m = matcher.match(text)
    assert m.intent == intent, m
    assert m.score >= 0.78


@pytest.mark.parametrize("text", ["你好", "现在几点了", "你吃饭了吗", "今天天气咋样", "", "   ", "hello 123"])
def test_no_request_means_no_intent(matcher, text):
    assert matcher.match(text).intent is None


def test_small_talk_vetoes_only_where_the_request_word_was_heard(matcher):
    assert matcher.match("你吃饭了吗").reason == "smalltalk"
    assert matcher.match("今天天气冷得很，燃气卡没钱了").intent == "gas_recharge"   # 天气 shares 气 with 燃气


def test_near_tie_between_two_categories_is_no_intent(matcher):
    m = matcher.match("煤气没有了做不成饭了")   # gas or meal? ask again rather than guess
    assert m.intent is None and m.reason == "tie" and m.runner_up is not None


def test_longer_phrase_beats_the_short_one_it_contains(matcher):
    assert matcher.match("屋顶漏水了").intent == "building_facility"     # not home_repair's 漏水
    assert matcher.match("楼上漏水到我家了").intent == "neighbor_dispute"
    assert matcher.match("家里水管漏水了").intent == "home_repair"


def test_a_category_with_many_phrases_does_not_swallow_one_with_few():
    few_vs_many = IntentMatcher({"big": ["买菜", "买米", "买面", "买油", "买药", "买东西", "买水果", "买鸡蛋"],
                                 "small": ["留言"]})
    assert few_vs_many.match("我想留言").intent == "small"
    assert few_vs_many.match("帮我买点米").intent == "big"


def test_score_zero_never_lets_everything_through(matcher):
    m = matcher.match("随便说点啥")
    assert m.intent is None and m.score < 0.78


@pytest.mark.parametrize("text, word", [
    ("是的", "yes"), ("对 着 呢", "yes"), ("嗯", "yes"), ("没错", "yes"), ("要", "yes"),
    ("不是", "no"), ("不 对", "no"), ("不要", "no"), ("不错", "yes"), ("对头", "yes"), ("不对头", "no"),
    ("回首页", "home"), ("再说一遍", "repeat"), ("没听清", "repeat"), ("我要求助", "help"),
    ("学手机", "lessons"), ("查 进度", "status"),
    ("我要买菜", None), ("今天天气好", None), ("", None),
])
def test_dialogue_words(matcher, text, word):
    assert matcher.match_dialogue(text) == word


@pytest.mark.parametrize("text, reason", [
    ("不用送饭了", "negated"), ("送饭就不用了", "negated"), ("不需要帮我买菜", "negated"), ("我不想去医院", "negated"),
    ("暖气修好了", "fine"), ("电梯好着呢", "negated"), ("我家水管不漏了", "negated"),
    ("刚从医院回来，没事", "fine"), ("我刚去医院看了一下，没啥事", "fine"), ("暖气已经修好了", "fine"),
    ("垃圾清理好了", "fine"), ("不用麻烦了，我自己去超市", "fine"), ("燃气卡已经充好了", "fine"),
])
def test_a_request_word_under_a_negation_or_with_nothing_wrong_is_no_request(matcher, text, reason):
    m = matcher.match(text)
    assert m.intent is None and m.ask is None and m.reason == reason, m


@pytest.mark.parametrize("text, intent", [
    ("我没事，就是灯坏了", "home_repair"),              # 没事 then a need after all
    ("不用送饭了，帮我充一下燃气", "gas_recharge"),     # only the negated request word is dropped
    ("帮我买菜，不要辣椒", "shopping"),                 # 不要 about something else
    ("我不会用手机", "phone_class"), ("做不了饭了", "meal_delivery"), ("我自己去不了医院", "medical_escort"),
    ("灯不亮了", "home_repair"), ("下水道堵了", "home_repair"),
])
def test_negations_inside_a_need_keep_the_request(matcher, text, intent):
    assert matcher.match(text).intent == intent


def test_a_negation_never_turns_one_category_into_another(matcher):
    m = matcher.match("楼道的声控灯不亮了")       # 亮了 after 声控灯 is 不亮了: not 'fixed'
    assert m.intent in (None, "building_facility")


@pytest.mark.parametrize("text, first, second", [
    ("帮我充燃气，再帮我买点菜", "gas_recharge", "shopping"),
    ("帮我修一下水龙头，顺便把垃圾清理一下", "home_repair", "sanitation"),
    ("我想学手机，还想给社区提个意见", "phone_class", "message"),
])
def test_two_requests_joined_in_one_sentence_are_both_heard_in_order(matcher, text, first, second):
    m = matcher.match(text)
    assert (m.intent, m.also) == (first, second)


def test_a_near_tie_asks_between_the_two_in_the_order_said(matcher):
    m = matcher.match("煤气没有了做不成饭了")
    assert m.intent is None and m.ask == ("gas_recharge", "meal_delivery")


@pytest.mark.parametrize("text", ["今天超市鸡蛋便宜", "我家孙子在兰大一院上班", "买菜回来路过这里", "暖气今年烧得挺热"])
def test_talk_about_a_place_or_thing_is_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and m.ask is None and m.reason == "chat", m


def test_talk_then_a_need_is_a_request(matcher):
    assert matcher.match("听说社区有老年饭桌，能送到家不").intent == "meal_delivery"


def test_the_matcher_reads_pypinyin_without_its_phrase_dictionary():
    """pypinyin through its API with its documented switches: its phrase dictionary (tens of MB resident) is
    never loaded by the kiosk's matcher. A fresh process, as the kiosk starts."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys; from sync.catalog import default_catalog; from voice.intents import IntentMatcher; "
            "m = IntentMatcher.from_catalog(default_catalog()); assert m.match('燃起卡没钱了').intent == 'gas_recharge'; "
            "print(sorted(x for x in sys.modules if x.startswith('pypinyin.')))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert "pypinyin.pinyin_dict" in out.stdout and "pypinyin.phrases_dict" not in out.stdout


@pytest.mark.parametrize("text, wrong", [
    ("下礼拜我要去复查心脏，想请人陪我去医院", "sanitation"),     # 脏 inside 心脏
    ("听说社区卫生服务站能免费查身体", "sanitation"),            # 卫生 inside 卫生服务站
])
def test_a_request_word_inside_a_longer_word_is_no_evidence(matcher, text, wrong):
    m = matcher.match(text)
    assert m.intent != wrong and wrong not in (m.ask or ()), m


@pytest.mark.parametrize("text, intent", [
    ("冰箱里空荡荡的就剩一根葱了，帮我买点菜", "shopping"),       # 冰箱, nothing wrong with it
    ("楼梯拐角堆着别人家的破家具", "sanitation"),                 # 楼梯, nothing wrong with it
    ("冰箱坏了不制冷", "home_repair"), ("电梯坏了", "building_facility"),
])
def test_a_fixture_is_a_repair_only_with_something_wrong(matcher, text, intent):
    assert matcher.match(text).intent == intent


def test_a_fixture_named_alone_with_nothing_wrong_is_no_request(matcher):
    assert matcher.match("门禁卡我有两张").intent is None


@pytest.mark.parametrize("text, intent, ask", [
    ("楼道里那根大水管在往外渗水", "building_facility", None),       # a shared place: the building's
    ("家里的水管漏水了", "home_repair", None),                      # the flat: the resident's own
    ("我家住顶楼，一下雨天花板就往下滴水", None, ("home_repair", "building_facility")),   # both: ask
    ("屋顶漏水了滴到家里", "building_facility", None),              # the building's own part named
])
def test_where_a_broken_thing_is_decides_flat_or_building(matcher, text, intent, ask):
    m = matcher.match(text)
    assert (m.intent, m.ask) == (intent, ask), m


@pytest.mark.parametrize("text", [
    "低保的事已经办下来了多谢你们", "屋顶去年就修过了今年下雨一点没漏", "谢谢你们上回陪我去医院",
    "体检报告拿到了大夫说都没问题", "我老伴以前就是修水管子的师傅", "我跟对门早就和好了",
])
def test_done_already_thanks_and_talk_about_others_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and m.ask is None, m


def test_a_nothing_wrong_cue_is_not_cancelled_by_a_weak_word_after_a_help_word(matcher):
    """The known bug of round 1: 挺好 cancelled by 帮 followed by anything weakly like a request word."""
    m = matcher.match("我们单元的邻居人都挺好的有事互相帮衬")
    assert m.intent is None and m.ask is None, m


@pytest.mark.parametrize("text, intent", [
    ("帮我充一下燃气卡，谢谢", "gas_recharge"),                      # thanks after a need: still the need
    ("听说社区有教手机的课，我也想去学", "phone_class"),              # talk, then a need
])
def test_a_need_with_thanks_or_after_talk_is_still_a_request(matcher, text, intent):
    assert matcher.match(text).intent == intent


@pytest.mark.parametrize("text, intent", [
    ("天然气快用完了，天冷了不做饭不行，想请你们帮我把气费交了", "gas_recharge"),   # 做饭 is the story
    ("刚出院身子虚得很，能不能把饭给我送上门来", "meal_delivery"),                    # 出院 is the story
    ("单元门口的垃圾好几天没人收了，你们给反映一下", "sanitation"),                  # 反映 is how, not what
])
def test_in_a_near_tie_the_need_asked_for_wins_over_the_story_around_it(matcher, text, intent):
    assert matcher.match(text).intent == intent


def test_a_near_tie_with_no_word_asking_for_either_is_still_a_question(matcher):
    m = matcher.match("煤气没有了做不成饭了")
    assert m.intent is None and m.ask == ("gas_recharge", "meal_delivery")


def test_a_word_asking_for_the_need_counts_though_it_is_a_filler_word(matcher):
    """给我 is removed before matching (饭给我送到家 is 饭送到家) but still says what is asked for."""
    assert matcher.match("我老伴住院了没人给我做饭").intent == "meal_delivery"


@pytest.mark.parametrize("text, intent", [
    ("血压不正常想量一下", "health_service"), ("我身上不舒服想去医院看看", "medical_escort"),
    ("钱不够用了生活困难", "welfare_aid"),
])
def test_a_need_that_looks_like_a_nothing_wrong_word_is_still_a_need(matcher, text, intent):
    assert matcher.match(text).intent == intent


@pytest.mark.parametrize("text, intent", [("楼院的门禁", "building_facility"), ("电路有问题", "home_repair")])
def test_a_fixture_said_alone_or_with_a_problem_is_a_request(matcher, text, intent):
    assert matcher.match(text).intent == intent


def test_the_complaint_not_how_it_travels_is_the_request(matcher):
    """反映 is how a complaint reaches the cadres; with the complaint heard, the complaint's category is the need."""
    m = matcher.match("电梯又坏了你们反映一下，另外我家插座也不通电了派个师傅来")
    assert (m.intent, m.also) == ("building_facility", "home_repair"), m


@pytest.mark.parametrize("text", ["我一个人过挺自在的", "楼上吵架了跟我没关系", "我会扫一扫了", "这个灯管挺亮"])
def test_talk_about_how_things_are_is_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and m.ask is None, m


@pytest.mark.parametrize("text, wrong", [
    ("他们几个在屋里聊天呢", "health_service"),       # 里聊 li liao sounds like 理疗, but no character of it is said
    ("你看柜子里有没有毛巾", "shopping"),             # 有没有 sounds like 油没有(了): 油 itself is not said
])
def test_a_phrase_heard_only_by_sound_across_other_words_is_no_evidence(matcher, text, wrong):
    m = matcher.match(text)
    assert m.intent != wrong and wrong not in (m.ask or ())


@pytest.mark.parametrize("text, intent", [
    ("我想做个理聊", "health_service"),     # one character of the word misheard: the other is said as written
    ("赔真", "medical_escort"),             # the whole word misheard, but it is all that was said
])
def test_a_recognisers_slip_inside_one_word_is_still_heard(matcher, text, intent):
    assert matcher.match(text).intent == intent


@pytest.mark.parametrize("text", [
    "昨天去超市转了一圈", "菜市场的洋芋三块钱一斤", "我们楼的电梯是新换的", "邻居家的娃考上大学了",
    "楼下的超市关门了", "低保的钱这个月到了",
])
def test_a_place_or_thing_named_with_no_need_told_is_no_request(matcher, text):
    """Nothing asked, no act, no trouble: talk about a place or a thing (dialogue.toml [need] markers)."""
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


@pytest.mark.parametrize("text, intent", [
    ("低保", "welfare_aid"),                       # the word said alone is a request
    ("院子里蟑螂多得很", "sanitation"),             # trouble told
    ("小区路灯黑了好几天", "building_facility"),
    ("我家窗户玻璃碎了", "home_repair"),
    ("和隔壁有矛盾", "neighbor_dispute"),           # the catalog word is the trouble itself
    ("家 里 水管 陋水 了", "home_repair"),          # ... also when the recogniser wrote it by sound
    ("燃气快拥完了", "gas_recharge"),               # a two-character marker heard by sound (用完)
])
def test_a_need_told_by_asking_an_act_or_trouble_is_a_request(matcher, text, intent):
    assert matcher.match(text).intent == intent


@pytest.mark.parametrize("text", [
    "医院我自己能去", "我自己会充燃气卡", "刚从社区医院回来", "我闺女给我买了个新手机", "隔壁王姐今天去医院复查了",
    "燃气公司的人昨天来查过表了", "水龙头不滴了", "超市鸡蛋特价", "我在医院干了三十年",
])
def test_can_do_it_oneself_done_already_been_and_back_prices_and_work_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


@pytest.mark.parametrize("text, first, second", [
    ("屋里的灯坏了 单元门也关不上了", "home_repair", "building_facility"),    # 也 said of the second thing
    ("帮我把气费交了 下礼拜去医院还要个人陪", "gas_recharge", "medical_escort"),   # a join word after the second
])
def test_two_requests_each_with_its_own_need_are_both_heard(matcher, text, first, second):
    m = matcher.match(text)
    assert (m.intent, m.also) == (first, second), m


def test_a_story_before_the_need_is_not_a_second_request(matcher):
    # 住院 is what happened, the need is the meals: never escort first with meals offered after
    m = matcher.match("老伴住院了 饭也没人做 能不能送饭")
    assert m.intent in (None, "meal_delivery") and m.intent != "medical_escort"


@pytest.mark.parametrize("text", ["我要去医院复查 一个人不方便", "儿子在外地上班 我去医院没人陪"])
def test_talk_cues_give_way_to_a_need_told_after_them(matcher, text):
    assert matcher.match(text).intent == "medical_escort"


def test_a_delivery_reported_done_is_no_request(matcher):
    m = matcher.match("饭刚才送来了")
    assert m.intent is None and not m.ask


@pytest.mark.parametrize("text", [
    "多亏你们帮我修了水管", "残疾证的手续办完了", "我以前在老年大学学过书法", "儿子说明天带我去医院",
    "孙女教会我用微信了", "药店我自己能去 不用你们操心",
])
def test_thanks_for_what_was_done_done_learned_and_family_seeing_to_it_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


def test_family_away_is_still_a_need(matcher):
    assert matcher.match("儿子在外地 没人陪我去医院").intent == "medical_escort"


def test_a_place_followed_by_someone_names_people_not_where_a_thing_is(matcher):
    # 楼下 is the building's place (楼下的长凳坏了), but 楼下说… is the people downstairs: never the building
    m = matcher.match("楼下说我家水管漏水了")
    assert m.intent != "building_facility" and "building_facility" not in (m.ask or ())
    assert matcher.match("楼下的长凳断了 找人修一下").intent == "building_facility"


def test_a_trouble_word_heard_only_loosely_by_sound_does_not_tell_a_need(matcher):
    m = matcher.match("前天下雨 楼道里潮得很 今天晒干了")   # 下雨楼道 is not 下雨漏水
    assert m.intent is None and not m.ask, m


def test_someone_else_saying_it_is_fine_is_not_the_resident_saying_so(matcher):
    assert matcher.match("物业说没事 可楼道灯还是不亮").intent == "building_facility"


@pytest.mark.parametrize("text, intent", [("孙女在兰大上学", None), ("老年大学的课我想报上 学一哈", "phone_class")])
def test_going_to_school_is_talk_but_signing_up_to_learn_is_not(matcher, text, intent):
    assert matcher.match(text).intent == intent


def test_a_patterns_loose_span_hides_no_other_categorys_word(matcher):
    # the phone pattern spans 手机上…不会; 体检 inside it is still evidence: health, or asked, never phone alone
    m = matcher.match("女儿说手机上能约体检 我不会弄 想直接在社区做个体检")
    assert m.intent != "phone_class"
    assert m.intent == "health_service" or "health_service" in (m.ask or ())


@pytest.mark.parametrize("text", ["上个月燃气公司来人修了表", "隔壁老李经常帮我买菜"])
def test_a_visit_that_was_made_and_a_neighbours_habit_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


@pytest.mark.parametrize("text", ["我外孙女在兰大二院当护士", "闺女回来给我带了好多鸡蛋", "刚吃过饭 出来转转"])
def test_someones_job_what_family_brought_and_a_meal_eaten_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


def test_an_ask_after_a_negation_starts_a_new_request(matcher):
    # 不想做了 negates nothing asked: 能…送饭 after it is the request
    assert matcher.match("今天我不想做了 能送个饭不").intent == "meal_delivery"
    assert matcher.match("不想要送饭了").intent is None


def test_the_neighbours_above_quarrelling_is_heard_across_a_few_words(matcher):
    assert matcher.match("楼上那家的两口子一到半夜就吵 我睡不着").intent == "neighbor_dispute"


def test_a_request_phrase_holding_a_small_talk_word_is_its_own_reading(matcher):
    assert matcher.match("替我谢谢上回帮忙的小伙子").intent == "message"     # 谢谢 alone is small talk
    assert matcher.match("谢谢你们").intent is None


def test_a_drain_backing_up_in_the_kitchen_is_never_only_a_smell(matcher):
    m = matcher.match("厨房的下水往上返水 味道大得很")
    assert m.intent != "sanitation" and (m.intent == "home_repair" or "home_repair" in (m.ask or ()))


def test_an_ask_word_inside_another_categorys_phrase_asks_for_that_phrase(matcher):
    # 替我 belongs to 替我谢谢 (a message): it does not ask for 送饭 after it — ask between the two, never meals
    m = matcher.match("替我谢谢送饭的那个小伙子")
    assert m.intent in (None, "message") and "meal_delivery" != m.intent


def test_a_modal_verb_said_as_written_does_not_make_a_phrase_heard_by_sound(matcher):
    # 要是能 holds 是能, which sounds like 失能 (welfare): 能 is a modal, 失 is the word's meaning
    m = matcher.match("大家觉得社区要是能办个联欢会就好了 你们帮我们跟书记说一声")
    assert m.intent == "message" or (m.intent is None and "message" in (m.ask or ()))
    assert "welfare_aid" not in (m.intent, m.also)


def test_a_second_request_told_with_ye_after_a_first_asked_for_before_its_word(matcher):
    m = matcher.match("教我用微信 燃气费也帮我交一下")
    assert (m.intent, m.also) == ("phone_class", "gas_recharge")


def test_two_words_side_by_side_naming_one_thing_are_not_twice_the_evidence(matcher):
    # 燃气灶 + 打不着火 is one broken-looking stove; the empty card tells the need: ask, never repair alone
    m = matcher.match("灶上的火打不着 燃气灶打不着火 一看卡里没钱了")
    assert m.intent != "home_repair"
    m = matcher.match("燃气灶打不着火 一看卡里没钱了")
    assert m.intent in (None, "gas_recharge") and (m.intent or "gas_recharge" in m.ask)


@pytest.mark.parametrize("text", ["我闺女在老年食堂帮忙", "今天买药的人真多", "我买菜回来 顺便来看看", "电费我女儿用手机交了"])
def test_someones_help_crowds_a_visit_on_the_way_and_family_having_done_it_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


def test_wanting_to_buy_a_new_one_of_a_broken_thing_is_never_only_a_repair(matcher):
    m = matcher.match("屋里的灯泡坏了 想买个新的 我下不了楼")
    assert m.intent in (None, "shopping") and (m.intent or "shopping" in m.ask)


@pytest.mark.parametrize("text", ["人民医院", "超市", "药店在哪儿", "垃圾我自己扔了", "刚量完血压 不高", "隔壁的娃学习好得很"])
def test_a_bare_place_asking_the_way_done_oneself_and_school_talk_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


@pytest.mark.parametrize("text, intent", [("低保", "welfare_aid"), ("燃气卡", "gas_recharge"), ("义诊在哪里", "health_service")])
def test_a_service_or_thing_said_alone_or_asked_where_is_still_a_request(matcher, text, intent):
    assert matcher.match(text).intent == intent


@pytest.mark.parametrize("text, intent", [
    ("娃娃该打预防针了", "health_service"),            # 该…了: it is due
    ("我这个月的养老金也没发 燃气卡也没钱了", None),     # two needs: heard as two (see below)
])
def test_something_due_or_not_received_tells_a_need(matcher, text, intent):
    m = matcher.match(text)
    if intent:
        assert m.intent == intent
    else:
        assert {m.intent, m.also} == {"welfare_aid", "gas_recharge"} or set(m.ask or ()) == {"welfare_aid", "gas_recharge"}


@pytest.mark.parametrize("text", ["外孙说他想学做饭", "邻居老李想去养老院 他闺女不同意", "老张住院了 我明天去看看他",
                                  "前几天楼上吵架了 现在好了"])
def test_what_someone_else_wants_a_visit_and_a_quarrel_over_are_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


@pytest.mark.parametrize("text, intent", [("我老伴想去医院 没人陪他 你们能派个人不", "medical_escort"),
                                          ("孙女想教我用手机 可她不在家 社区有手机课不", "phone_class")])
def test_asking_on_behalf_of_family_is_still_a_request(matcher, text, intent):
    assert matcher.match(text).intent == intent


# Round 4 (tuning on round 3's blind sets), by cause; sentences written from the cause, not copied from the sets.
@pytest.mark.parametrize("text", ["对门说我家水管漏水淹了他家 让我赔钱 你们来给说和说和",
                                  "楼上的水漏到我家来了 他们家不认账 找他们赔也不给"])
def test_a_quarrel_about_a_leak_is_never_taken_for_a_repair_alone(matcher, text):
    """赔/说和/不认账 tell a quarrel between neighbours; with the leak heard too the kiosk asks, never repairs."""
    m = matcher.match(text)
    assert m.intent == "neighbor_dispute" or (m.intent is None and "neighbor_dispute" in (m.ask or ())), m


@pytest.mark.parametrize("text, joined", [("邻居跟他家里人说和了吗 楼道灯坏了", False),
                                          ("我想跟书记说说 手机也不会用", False),
                                          ("帮我充燃气和买点菜", True)])
def test_he_and_gen_join_two_requests_only_when_not_a_preposition_or_part_of_a_word(matcher, text, joined):
    """说和 is to reconcile, 跟书记说 is 'tell the secretary': no second request joined by them."""
    from voice.intents import _joins_at
    at = max(text.find("和"), text.find("跟"))
    assert _joins_at(text[at - 1: at + 2], text[at]) is joined


def test_nothing_at_all_is_not_also(matcher):
    """啥也不会 is 'cannot do anything', not 也 said of a second thing: the shopping story and the phone trouble are
    asked about, never taken as shopping with a phone class after it."""
    m = matcher.match("如今去超市买东西要用手机付钱 我手机上啥也不会弄")
    assert m.intent != "shopping" and m.also is None, m


@pytest.mark.parametrize("text", ["燃气表上的灯一直闪 灶上打不着火", "表上亮了个灯 火也点不着"])
def test_a_gas_meters_light_with_no_flame_is_gas(matcher, text):
    m = matcher.match(text)
    assert m.intent == "gas_recharge" or (m.intent is None and "gas_recharge" in (m.ask or ())), m
    assert m.intent != "home_repair"


@pytest.mark.parametrize("text", ["楼门坏了关不上 你们来修一下", "我们单元的门洞里那个门锁坏了"])
def test_the_buildings_entrance_door_is_the_buildings(matcher, text):
    assert matcher.match(text).intent in ("building_facility", None)
    assert matcher.match(text).intent != "home_repair"


def test_a_message_passed_on_because_the_resident_cannot_write_or_use_a_phone_is_a_message(matcher):
    m = matcher.match("我字也写不了手机也不会用 有个建议想跟主任说 你们帮我转给他")
    assert m.intent == "message" or (m.intent is None and "message" in (m.ask or ())), m
    assert m.intent != "phone_class"


@pytest.mark.parametrize("text, intent", [
    ("邻居就分的事想找社区", "neighbor_dispute"),           # 纠纷 written by sound (就分), 邻居 as written
    ("燃气么有了 阿么充", "gas_recharge"),                 # the gas gone, then how to recharge
    ("屋里电热毯坏了 找人日鬼一下", "home_repair"),         # an appliance with a fault; 日鬼: Lanzhou, to fix
    ("厕所的水管漏了 叫个师傅", "home_repair"),             # asking for a tradesman is no talk about one
    ("单元楼梯的扶手摇得厉害", "building_facility"),         # shaking badly is trouble
    ("柜子里吱吱的 面口袋都咬破了", "sanitation"),           # rats told by what they do
    ("没收入 娃上学的钱也凑不齐", "welfare_aid"),            # money for school is money, not school talk
    ("多少年没查过身子了 想查一查", "health_service"),        # 身子 is 身体
    ("腿不好走不到食堂去 中午能送过来不", "meal_delivery"),    # the canteen out of reach
    ("主任说来没来 我想让他知道", "message"),
])
def test_round_4_causes_of_not_understood(matcher, text, intent):
    assert matcher.match(text).intent == intent, matcher.match(text)


@pytest.mark.parametrize("text", ["电视机里说明天降温", "我家电饭锅是新买的"])
def test_an_appliance_named_with_nothing_wrong_is_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


@pytest.mark.parametrize("text, intent", [
    ("后天去省医拆线 儿子闺女都在外地 谁陪我去呀", "medical_escort"),   # the family away, then asking who goes
    ("书记出去开会了 等他回来了让他给我回个话", "message"),              # 让…回来 asks for a call back
    ("我腿残了 听说政府对残疾人有照顾", "welfare_aid"),                   # a disability told, help asked about
])
def test_talk_words_before_an_ask_do_not_end_the_request(matcher, text, intent):
    assert matcher.match(text).intent == intent, matcher.match(text)


def test_a_quarrel_next_to_a_building_part_is_a_quarrel_not_a_fault(matcher):
    """吵 is the neighbours' quarrel, not a fault of the bicycle shed named before it."""
    m = matcher.match("对门把我的车棚位子占了 为这个吵了好几回")
    assert m.intent == "neighbor_dispute", m


@pytest.mark.parametrize("text, intent", [
    ("老头子住院好几天了 家里米也吃完了", "shopping"),                  # someone else in hospital: the story
    ("儿子上礼拜住院了 我一个人做不动饭", "meal_delivery"),
    ("老伴看病花了好多钱 这个月房租都交不起了", "welfare_aid"),          # what care costs: the story
    ("医院太远了 社区里能不能给量量血压", "health_service"),             # a hospital too far: the story
])
def test_someone_elses_hospital_stay_or_what_care_costs_is_the_story_around_another_need(matcher, text, intent):
    assert matcher.match(text).intent == intent, matcher.match(text)


@pytest.mark.parametrize("text", ["老伴住院了 没人陪护", "我女儿住院了 我想去医院陪她 一个人不认路"])
def test_someone_elses_hospital_stay_told_alone_is_still_an_escort(matcher, text):
    assert matcher.match(text).intent == "medical_escort", matcher.match(text)


@pytest.mark.parametrize("text", ["我住顶楼 屋顶一下雨就渗水 屋里天花板都湿了", "房顶漏了 家里墙上都是水印子"])
def test_a_leaking_roof_seen_from_the_flat_is_the_buildings(matcher, text):
    """Both places named, but the fault is the roof's (the building's own part, with a fault word): the building."""
    assert matcher.match(text).intent == "building_facility", matcher.match(text)


@pytest.mark.parametrize("text", ["对门非说是我家渗水 要我赔他家的墙 你们来评个理",
                                  "隔壁的水管漏水把我家泡了 他们不认 你们给说和一下"])
def test_a_leak_the_neighbours_quarrel_about_is_a_quarrel(matcher, text):
    """The leak is the story; 赔/评理/不认/说和 tell the need: mediation."""
    assert matcher.match(text).intent == "neighbor_dispute", matcher.match(text)


def test_a_leak_alone_is_still_a_repair(matcher):
    assert matcher.match("我家卫生间的水管漏水了 找人来修").intent == "home_repair"


def test_queueing_at_hospital_is_the_story_around_a_check_up_nearby(matcher):
    m = matcher.match("去医院排队挂个号要半天 社区能不能给测测血糖")
    assert m.intent == "health_service" or (m.intent is None and "health_service" in (m.ask or ())), m
    assert matcher.match("上医院排队人多得很 想在社区量量血压").intent == "health_service"


@pytest.mark.parametrize("text", ["老年大学的书法课讲得真好", "我在手机课上学会发语音了"])
def test_a_class_praised_or_a_skill_learned_is_no_request(matcher, text):
    m = matcher.match(text)
    assert m.intent is None and not m.ask, m


def test_buying_that_needs_the_phone_is_a_phone_class(matcher):
    """The shopping is the story: the resident can do it, but not pay with the phone."""
    m = matcher.match("超市都要用手机付钱了 我弄不来 谁能教教")
    assert m.intent == "phone_class", m


@pytest.mark.parametrize("text, intent", [("对门的老李说社区能免费量血压 我也想去量量", "health_service"),
                                          ("隔壁王姐说社区的手机课不错 我也想去学", "phone_class")])
def test_a_neighbour_who_told_of_a_service_is_no_quarrel(matcher, text, intent):
    m = matcher.match(text)
    assert m.intent == intent, m


def test_an_errand_on_the_way_back_is_a_second_request(matcher):
    m = matcher.match("你们派人陪我去医院复查 回来的路上顺便帮我捎点菜")
    assert (m.intent, m.also) == ("medical_escort", "shopping"), m


@pytest.mark.parametrize("text, intent", [
    ("想学会在手机上挂号看病", "phone_class"),                 # what to learn to do on the phone: the story
    ("教我在手机上买菜", "phone_class"),
    ("我腿不好 医院又远 想找个人陪我去复查", "medical_escort"),   # 找个人 asks for what follows
    ("我那个燃气卡的事办好了 现在想找人陪我去医院", "medical_escort"),   # a matter done is no request
])
def test_round_4_asking_and_learning_decide_a_near_tie(matcher, text, intent):
    assert matcher.match(text).intent == intent, matcher.match(text)


@pytest.mark.parametrize("text, intent", [
    ("没人管我做饭 儿女都在外地 我腿脚也不行", "meal_delivery"),      # nobody to see to meals: not welfare
    ("家里的感冒药吃得就剩一包了", "shopping"),                     # medicine about to run out
    ("没有退休金 连吃饭都成问题", "welfare_aid"),                   # food that cannot be afforded
])
def test_round_4_the_consequence_is_the_story_around_the_need(matcher, text, intent):
    assert matcher.match(text).intent == intent, matcher.match(text)


def test_cooking_that_cannot_be_done_is_not_welfare(matcher):
    m = matcher.match("手抖得厉害 拿不住锅铲 吃饭成了问题")
    assert m.intent != "welfare_aid", m
