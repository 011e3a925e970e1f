"""Who-and-where, step by step (engineer C's screens): 返回 walks back one question, 返回修改 keeps
what was entered, a new request starts afresh, numbers are spoken as Chinese words."""

from __future__ import annotations

from tests.ui import find


def _to_contact(ui, category="上门维修"):
    find.tap(ui, "我要求助")
    find.tap(ui, category)
    assert ui.app.sm.current == "contact"
    return ui.app.sm.current_screen


def _pause(ui):
    ui.pump(ui.app.debounce_ms / 1000 + 0.05)   # the same button again: wait out the touch debounce


def test_back_goes_one_question_back_then_leaves(ui):
    app = ui.app
    screen = _to_contact(ui)
    find.tap(ui, "先生")
    find.tap(ui, "2号楼")
    assert screen.step == "unit"
    find.tap(ui, "返回")
    assert screen.step == "building" and app.sm.current == "contact"
    _pause(ui)
    find.tap(ui, "返回")
    assert screen.step == "name"
    _pause(ui)
    find.tap(ui, "返回")
    assert app.sm.current == "categories"


def test_floors_beyond_six_are_on_a_second_page(ui):
    app = ui.app
    screen = _to_contact(ui)
    for choice in ("女士", "1号楼", "1单元"):
        find.tap(ui, choice)
    floors = app.services.config["post"]["floors"]
    assert screen.step == "floor" and floors > 6
    first = {t.text for t in screen.grid.children}
    assert first == {f"{n}楼" for n in range(1, 7)}
    find.tap(ui, "下一页")
    assert {t.text for t in screen.grid.children} == {f"{n}楼" for n in range(7, min(floors, 12) + 1)}
    find.tap(ui, f"{floors}楼")
    assert screen.step == "room" and app.draft["floor"] == str(floors)
    assert {t.text for t in screen.grid.children} == {
        f"{floors}{i:02d}室" for i in range(1, app.services.config["post"]["rooms_per_floor"] + 1)}


def test_edit_from_confirm_keeps_everything_and_new_request_starts_afresh(ui):
    app = ui.app
    screen = _to_contact(ui, "代买物品")
    for choice in ("大妈", "3号楼", "2单元", "5楼", "502室"):
        find.tap(ui, choice)
    find.type_digits(ui, "13912345678")
    find.tap(ui, "确定")
    assert app.sm.current == "confirm"
    spoken = app.services.speaker.last
    # Numbers as Chinese words (espeak-ng reads Arabic digits as Latin): building as a number, room and
    # phone digit by digit, 1 as 幺 in a phone number.
    assert "三号楼二单元五零二室" in spoken and "幺 三 九 幺 二 三 四 五 六 七 八" in spoken
    assert not any(c.isascii() and c.isdigit() for c in spoken)
    find.tap(ui, "返回修改")
    assert app.sm.current == "contact" and screen.step == "phone"
    assert app.draft["building"] == "3号楼" and app.draft["room"] == "502"
    find.tap(ui, "回首页")
    assert app.draft["category"] == "" and app.draft["room"] == ""
    screen = _to_contact(ui, "代买物品")
    assert screen.step == "name" and screen.keypad.value == ""


def test_skipping_the_address_still_allows_a_phone_only_request(ui):
    app = ui.app
    outbox = app.services.outbox
    before = {i["uuid"] for i in outbox.items()}
    _to_contact(ui, "环境卫生")
    find.tap(ui, "跳过")
    _pause(ui)
    find.tap(ui, "跳过")                # the address steps go together
    assert app.sm.current_screen.step == "phone"
    find.type_digits(ui, "12345")
    find.tap(ui, "确定")
    assert app.sm.current == "contact" and app.services.speaker.last == app.t("contact.phone_short")
    _pause(ui)
    for _ in range(5):
        find.tap(ui, "删除")
        _pause(ui)
    find.type_digits(ui, "09318881234")
    find.tap(ui, "确定")
    find.tap(ui, "确认提交")
    new = [i for i in outbox.items() if i["uuid"] not in before]
    assert len(new) == 1 and new[0]["category"] == "sanitation"
    assert outbox.personal_data(new[0]["uuid"])["phone"] == "09318881234"


def test_numbers_are_said_the_way_people_say_them(ui):
    from assets.texts import spoken_numbers, spoken_phone

    assert spoken_numbers("3号楼2单元") == "三号楼二单元"
    assert spoken_numbers("10号楼") == "十号楼" and spoken_numbers("12号楼") == "十二号楼"
    assert spoken_numbers("20号楼") == "二十号楼" and spoken_numbers("35号楼") == "三十五号楼"
    assert spoken_numbers("108号") == "一零八号"
    assert spoken_phone("0931") == "零 九 三 幺"


def test_each_address_step_says_where_you_are_with_distinct_pictographs_and_one_place_for_skip(ui, artefacts):
    from tests.ui import find as f

    app = ui.app
    f.tap(ui, "我要求助")
    f.tap(ui, "上门送餐")
    screen = app.sm.current_screen

    def skip_at():
        b = f.button(screen, "跳过")
        return tuple(round(v) for v in b.to_window(*b.center))

    def icons():
        return {t.icon for t in screen.grid.children}

    assert "第1步/共6步" in f.texts(screen)
    f.tap(ui, "大妈")
    assert screen.step == "building" and "第2步/共6步" in f.texts(screen)
    building_icons, skip_place = icons(), skip_at()
    f.tap(ui, "3号楼")
    assert screen.heading == "3号楼，哪个单元？" and "第3步/共6步" in f.texts(screen)
    unit_icons = icons()
    f.tap(ui, "2单元")
    assert screen.heading == "3号楼2单元，住几楼？"
    assert app.t("common.page", page=1, pages=2) in f.texts(screen)   # the floor list says which page it is
    floor_icons = icons()
    ui.screenshot(artefacts / "screens" / "contact_floor_page.png")
    f.tap(ui, "4楼")
    assert screen.heading == "3号楼2单元4楼，哪一户？" and "第5步/共6步" in f.texts(screen)
    room_icons = icons()
    assert building_icons.isdisjoint(floor_icons) and unit_icons.isdisjoint(room_icons)   # 4楼 vs 4号楼
    assert len(building_icons | unit_icons | floor_icons | room_icons) == 4
    ui.screenshot(artefacts / "screens" / "contact_room_title.png")
    f.tap(ui, "401室")
    assert screen.step == "phone" and "第6步/共6步" in f.texts(screen)
    assert abs(skip_at()[0] - skip_place[0]) < app.rp(40) and abs(skip_at()[1] - skip_place[1]) < app.rp(40)
    ui.screenshot(artefacts / "screens" / "contact_phone_skip.png")
    app.home()
