"""A cadre's day (issue 15), one test per point, through Django's test client against the real database
(SQLite here, PostgreSQL with DATABASE_URL), and the kiosk CLI as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from server.core.models import Request, RequestEvent, State
from server.workbench import actions, limits, metrics
from server.workbench.models import Topic
from tests.workbench.conftest import make_request

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def found(c, q, **extra) -> set[str]:
    page = c.get("/w/inbox/", {"q": q, **extra})
    assert page.status_code == 200
    return {r.receipt for r in page.context["rows"]}


# -- 1. find a request from a phone call -------------------------------------------------------------------

def test_search_by_phone_digits_name_door_words_and_code(world):
    a, c = world["a"], client_for(world["cadre_a"])
    liu = make_request(a, "home_repair", contact_name="刘奶奶", building="5号楼", unit="1单元", room="302",
                       phone="13912345678", text="厨房水管漏水，地上全是水", receipt="WJZ1-4711")
    old = make_request(a, "shopping", contact_name="孙大爷", building="7号楼", room="101", phone="13700009999",
                       text="买药", state=State.FOLLOWED_UP)
    theirs = make_request(world["b"], "home_repair", phone="13912345678", text="水管漏水")
    assert found(c, "5678") == {liu.receipt}                       # last four digits of the phone
    assert found(c, "1234 5678") == {liu.receipt}                  # any 4+ digits, typed with a space
    assert found(c, "刘奶奶") == {liu.receipt}                      # the name
    assert found(c, "5号楼1单元302") == {liu.receipt}               # the door, as said on the phone
    assert found(c, "5-1-302") == {liu.receipt}
    assert found(c, "漏水 厨房") == {liu.receipt}                   # words of the request, each must appear
    assert found(c, "水管漏水 厨房") == {liu.receipt}               # a long word and a short one
    assert found(c, liu.receipt.lower()) == {liu.receipt}           # the code
    assert found(c, "9999") == {old.receipt}                        # closed ones are found too (a follow-up call)
    assert theirs.receipt not in found(c, "漏水")                   # never another post's
    assert found(c, "9999", state="open") == set()                  # unless the cadre asks for open ones
    page = c.get("/w/inbox/", {"q": "5678"}).content.decode()
    assert "厨房水管漏水" in page and "刘奶奶" in page               # the row shows what the resident said


def test_a_two_character_word_searches_the_recent_month_and_says_so(world):
    a, c = world["a"], client_for(world["cadre_a"])
    recent = make_request(a, "home_repair", text="家里漏水", ago=timedelta(days=3), receipt="WJZ1-0001")
    old = make_request(a, "home_repair", text="楼上漏水到我家", ago=timedelta(days=60), receipt="WJZ1-0002")
    assert found(c, "漏水") == {recent.receipt}
    assert "只查最近 30 天" in c.get("/w/inbox/", {"q": "漏水"}).content.decode()
    assert found(c, "楼上漏水") == {old.receipt}                      # three or more characters: all time


def test_inbox_rows_and_daily_list_show_what_the_resident_said(world):
    a, c = world["a"], client_for(world["cadre_a"])
    make_request(a, "sanitation", text="楼道里堆了很多纸箱", contact_name="周阿姨")
    assert "楼道里堆了很多纸箱" in c.get("/w/inbox/").content.decode()
    daily = c.get("/w/daily/", {"post": a.code}).content.decode()
    assert "楼道里堆了很多纸箱" in daily and "<th>说的话</th>" in daily


# -- 2. requests taken by phone or on a visit (干部代录) -----------------------------------------------------

def test_cadre_enters_a_phone_request_with_a_code_the_public_page_finds(world):
    a, c = world["a"], client_for(world["cadre_a"])
    r = c.post("/w/requests/new/", {"post": a.pk, "channel": "phone", "category": "home_repair",
                                    "contact_name": "马爷爷", "building": "2号楼", "room": "201",
                                    "phone": "139-0000-4321", "text": "灯不亮了"}, follow=True)
    assert r.status_code == 200
    req = Request.objects.get(contact_name="马爷爷")
    assert req.channel == "phone" and req.get_channel_display() == "电话" and req.post == a
    assert req.phone == "13900004321" and req.state == State.RECEIVED
    assert req.receipt.startswith("WJZ1-") and req.issued_receipt == req.receipt
    assert f"请告诉居民回执号：{req.receipt}" in r.content.decode()
    ev = RequestEvent.objects.get(request=req)                      # the same events as a kiosk's request
    assert ev.to_state == State.RECEIVED and "干部代录（电话）" in ev.note
    assert req.receipt in {x.receipt for x in c.get("/w/inbox/").context["rows"]}   # same inbox, deadlines
    public = Client().get(f"/r/{req.receipt}")                      # the resident's code finds it
    assert public.status_code == 200 and public.context["found"] and public.context["state"] == "社区已收到"
    actions.accept(req, world["cadre_a"])
    m = c.get("/w/metrics/").context["overall"]
    assert m.total == 2 and m.responded == 1                        # counted in the metrics like any other


def test_cadre_entry_needs_a_way_to_find_the_resident_and_keeps_what_was_typed(world):
    c = client_for(world["cadre_a"])
    r = c.post("/w/requests/new/", {"post": world["a"].pk, "channel": "visit", "category": "shopping",
                                    "text": "想买米"})
    assert r.status_code == 400 and "请至少留下称呼、楼号门牌或电话" in r.content.decode()
    assert "想买米" in r.content.decode() and not Request.objects.filter(text="想买米").exists()
    r = c.post("/w/requests/new/", {"post": world["b"].pk, "channel": "visit", "category": "shopping",
                                    "contact_name": "某人"})
    assert r.status_code == 400 and not Request.objects.filter(contact_name="某人").exists()   # not my post


def test_cadre_entry_never_takes_a_code_a_live_request_holds(world):
    a = world["a"]
    from server.workbench import intake
    from sync import protocol
    taken = {protocol.receipt(a.code, n) for n in range(10_000) if n != 77}
    Request.objects.bulk_create([Request(uuid=uuid.uuid4(), receipt=code, post=a, category="shopping",
                                         content_hash="x", kiosk_created_at=timezone.now()) for code in taken
                                 if code != world["ra"].receipt])
    r = intake.take(world["cadre_a"], {"post": a, "channel": "desk", "category": "shopping", "contact_name": "吴"})
    assert r.receipt == protocol.receipt(a.code, 77) and r.get_channel_display() == "当面"


# -- 3. the volunteer sees the instruction and can hand the task back ----------------------------------------

def test_assign_note_on_the_card_hand_back_goes_to_top_of_inbox(world):
    a, cadre, vol = world["a"], world["cadre_a"], world["vol"]
    older = make_request(a, "sanitation", ago=timedelta(hours=1))
    r = world["ra"]
    c = client_for(cadre)
    assert c.post(f"/w/requests/{r.pk}/assign", {"volunteer": vol.pk, "note": "请今天下午上门"}).status_code == 302
    v = client_for(vol.user)
    card = v.get("/w/tasks/").content.decode()
    assert "干部交代：</strong>请今天下午上门" in card
    assert 'href="tel:13800001234"' in card and "3号楼 2单元 501" in card and "时限：请在" in card
    back = v.post(f"/w/requests/{r.pk}/hand_back", {"reason": ""}, follow=True)
    assert "请写上为什么办不了" in back.content.decode()
    assert v.post(f"/w/requests/{r.pk}/hand_back", {"reason": "我这周在外地"}).status_code == 302
    r.refresh_from_db()
    assert r.state == State.ACCEPTED and r.assignee is None and r.handed_back_reason == "我这周在外地"
    assert r.public_note == actions.REGISTRY["hand_back"].public          # the kiosk hears a vetted sentence
    assert "请今天下午上门" not in v.get("/w/tasks/").content.decode()
    rows = c.get("/w/inbox/").context["rows"]
    assert rows[0].pk == r.pk and older.pk in [x.pk for x in rows]          # back at the top
    assert "志愿者退回" in c.get("/w/inbox/").content.decode()
    actions.assign(r, cadre, vol, note="改到明天上午")                         # reassigned: no longer on top
    r.refresh_from_db()
    assert r.handed_back_at is None and r.task_note == "改到明天上午"


def test_a_volunteer_cannot_hand_back_someone_elses_task(world):
    from django.contrib.auth.models import User

    from server.workbench.models import Volunteer
    other = Volunteer.objects.create(user=User.objects.create_user("v2", password="pw-pw-pw-2"), name="钱")
    other.posts.add(world["a"])
    actions.assign(world["ra"], world["cadre_a"], world["vol"])
    r = client_for(other.user).post(f"/w/requests/{world['ra'].pk}/hand_back", {"reason": "不想"})
    assert r.status_code == 404
    world["ra"].refresh_from_db()
    assert world["ra"].state == State.ASSIGNED


# -- 4. satisfaction in words ------------------------------------------------------------------------------

def test_follow_up_in_words_reason_asked_when_not_satisfied(world):
    cadre, c = world["cadre_a"], client_for(world["cadre_a"])
    r = world["ra"]
    actions.accept(r, cadre)
    actions.resolve(r, cadre, "已买好")
    page = c.get(f"/w/requests/{r.pk}/").content.decode()
    assert 'value="满意"' in page and 'value="基本满意"' in page and 'value="不满意"' in page and "分</label>" not in page
    bad = c.post(f"/w/requests/{r.pk}/follow_up", {"satisfaction": "不满意"}, follow=True)
    assert "请问一问原因" in bad.content.decode()
    r.refresh_from_db()
    assert r.state == State.RESOLVED
    c.post(f"/w/requests/{r.pk}/follow_up", {"satisfaction": "不满意", "reason": "来得太晚"})
    r.refresh_from_db()
    assert r.state == State.FOLLOWED_UP and r.satisfaction == 1 and r.satisfaction_reason == "来得太晚"
    assert "不满意（来得太晚）" in c.get(f"/w/requests/{r.pk}/").content.decode()
    for word, score in (("满意", 5), ("基本满意", 3)):
        x = make_request(world["a"])
        actions.accept(x, cadre)
        actions.resolve(x, cadre, "办好")
        actions.follow_up(x, cadre, word)
        x.refresh_from_db()
        assert x.satisfaction == score
    o = c.get("/w/metrics/").context["overall"]
    assert (o.content, o.basic, o.discontent, o.satisfaction_rate) == (1, 1, 1, 66.7)
    assert "满意 / 基本满意 / 不满意" in c.get("/w/metrics/").content.decode()


# -- 5. related requests together ---------------------------------------------------------------------------

def test_related_requests_shown_together_and_gathered_into_a_topic_in_one_tap(world):
    a, c = world["a"], client_for(world["cadre_a"])
    r1 = make_request(a, "sanitation", building="6号楼", room="101", text="楼道灯坏了")
    r2 = make_request(a, "sanitation", building="6号楼", room="302", ago=timedelta(days=1), text="楼道太黑")
    r3 = make_request(a, "sanitation", building="6号楼", room="501", ago=timedelta(days=2))
    far = make_request(a, "sanitation", building="6号楼", ago=timedelta(days=9))
    other_cat = make_request(a, "shopping", building="6号楼")
    other_bld = make_request(a, "sanitation", building="8号楼")
    page = c.get(f"/w/requests/{r1.pk}/")
    assert {x.pk for x in page.context["related"]} == {r2.pk, r3.pk}
    text = page.content.decode()
    assert "楼道太黑" in text and "建议开一次微议事" in text and "一键合并，开微议事（3 件）" in text
    assert c.post(f"/w/requests/{r1.pk}/gather").status_code == 302
    topic = Topic.objects.get()
    assert set(topic.requests.values_list("pk", flat=True)) == {r1.pk, r2.pk, r3.pk}
    assert topic.post == a and not any(ch.isdigit() for ch in topic.title)   # read out at the kiosk
    for x in (r1, r2, r3):
        x.refresh_from_db()
        assert x.state == State.MERGED and topic.title in x.public_note
    for x in (far, other_cat, other_bld):
        x.refresh_from_db()
        assert x.state == State.RECEIVED
    single = make_request(a, "sanitation", building="9号楼")
    assert not c.get(f"/w/requests/{single.pk}/").context["related"]


# -- 6. metrics in the database, per post and category, legible labels, exports of the same figures -----------

def test_metrics_counted_by_the_database_per_post_and_category_with_overdue(world, django_assert_max_num_queries):
    a, cadre = world["a"], world["admin"]
    now = timezone.now()
    for i in range(30):
        make_request(a if i % 2 else world["b"], "shopping" if i % 3 else "gas_recharge", ago=timedelta(days=i))
    c = client_for(cadre)
    with django_assert_max_num_queries(20):        # a few aggregate queries, however many requests
        page = c.get("/w/metrics/")
    ctx = page.context
    assert ctx["overall"].total == 32
    assert {t.name for t in ctx["by_post"]} == {a.name, world["b"].name}
    assert sum(t.total for t in ctx["by_post"]) == sum(t.total for t in ctx["by_category"]) == 32
    now = timezone.now()      # after the page: a request exactly at its limit is late for both
    expected_late = Request.objects.filter(limits.overdue_q(now), received_at__gte=now - timedelta(days=400)).count()
    assert ctx["overall"].overdue == expected_late > 0


def test_month_labels_do_not_overlap():
    from xml.etree import ElementTree as ET
    now = timezone.now()
    for months in (3, 12, 24, 36):
        data = metrics.compute(Request.objects.none(), months=months, now=now)
        for chart in (data["chart_rates"], data["chart_volume"]):
            svg = ET.fromstring(chart)
            labels = [(float(t.get("x")), float(t.get("y")), t.text) for t in svg.iter("{http://www.w3.org/2000/svg}text")
                      if t.text and t.text.endswith("月")]
            assert labels
            rows: dict[float, list] = {}
            for x, y, text in labels:
                rows.setdefault(y, []).append((x, text))
            for row in rows.values():
                row.sort()
                for (x1, t1), (x2, t2) in zip(row, row[1:], strict=False):
                    # 18 px font: a CJK character is 18 px wide, a digit about 10 px; half of each label each side.
                    width = lambda t: sum(18 if ord(ch) > 127 else 10 for ch in t)   # noqa: E731
                    assert x2 - x1 >= (width(t1) + width(t2)) / 2 + 4, (months, t1, t2)


def test_metrics_export_holds_the_figures_the_page_shows(world):
    a, cadre = world["a"], world["cadre_a"]
    r = make_request(a, "home_repair")
    actions.accept(r, cadre)
    actions.resolve(r, cadre, "修好")
    actions.follow_up(r, cadre, "基本满意")
    c = client_for(cadre)
    page = c.get("/w/metrics/", {"months": "6"})
    data = {k: page.context[k] for k in ("overall", "by_post", "by_category", "by_month")}
    resp = c.get("/w/metrics/export.csv", {"months": "6"})
    assert resp.status_code == 200
    got = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert got[0] == metrics.TABLE_HEADER
    assert got[1:] == [[str(v) for v in row] for row in metrics.table_rows(data)]
    html = page.content.decode()
    for row in got[1:]:
        if row[0] != "全部":
            assert f"<th scope=\"row\">{row[1]}</th><td>{row[2]}</td>" in html   # the page shows the same rows
    overall = got[1]
    assert overall[:6] == ["全部", "全部", "2", "50.0%", "50.0%", "100.0%"] and overall[7] == "1"


# -- 7. phone layout: filters fold away --------------------------------------------------------------------

def test_inbox_filters_fold_away_until_used(world):
    c = client_for(world["cadre_a"])
    page = c.get("/w/inbox/").content.decode()
    assert '<details class="filters-fold">' in page and 'id="f_q"' in page
    assert page.index('id="f_q"') < page.index('<details class="filters-fold">') < page.index('id="f_post"')
    assert '<details class="filters-fold" open>' in c.get("/w/inbox/", {"category": "shopping"}).content.decode()


# -- 8. small things that cost trust -----------------------------------------------------------------------

def test_export_guards_formulas_in_text_but_not_numbers(world):
    make_request(world["a"], phone="+1 234", text="=HYPERLINK(\"http://x\")", contact_name="-5")
    make_request(world["a"], phone="13800001111", text="+cmd|' /C calc'!A0", contact_name="@某")
    c = client_for(world["cadre_a"])
    body = b"".join(x if isinstance(x, bytes) else x.encode() for x in c.get("/w/export.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    cells = {v for row in rows[1:] for v in row}
    assert "+1 234" in cells and "-5" in cells and "'+1 234" not in cells
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+cmd|' /C calc'!A0" in cells and "'@某" in cells


def test_favicon_is_served():
    r = Client().get("/favicon.ico")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(r.streaming_content)


def _kiosk(cfg, *args, **kw):
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, **kw)


def _config(tmp_path):
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[server]\nurl = "http://127.0.0.1:9"\ntoken = ""\n[kiosk]\ndata_dir = "{tmp_path / "d"}"\n',
                   encoding="utf-8")
    return cfg


def test_kiosk_submit_errors_are_chinese_only(tmp_path):
    cfg = _config(tmp_path)
    for args in (("--building", "3" * 21), ("--phone", "abc"), ("--name", "王" * 60)):
        r = _kiosk(cfg, "submit", "--category", "shopping", "--room", "1", *args)
        assert r.returncode != 0
        message = r.stderr.strip().removeprefix("kiosk: error: ")
        assert not any("a" <= ch.lower() <= "z" for ch in message), message
    r = _kiosk(cfg, "submit", "--category", "shopping", "--building", "3" * 21)
    assert "楼号太长了，最多 20 个字" in r.stderr


def test_kiosk_queue_json_into_a_closed_pipe_does_not_blame_storage(tmp_path):
    cfg = _config(tmp_path)
    for i in range(3):
        assert _kiosk(cfg, "submit", "--category", "shopping", "--room", str(i)).returncode == 0
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    # The reader is gone before the kiosk writes (`true` reads nothing and exits, as `head` does after its lines):
    # the write meets a closed pipe. pipefail gives the kiosk's own exit status.
    p = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m kiosk.cli queue --json | true"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert "存储" not in p.stderr and "Error" not in p.stderr, p.stderr
    assert p.returncode == 0
    full = json.loads(_kiosk(cfg, "queue", "--json").stdout)   # storage is fine
    assert full["pending"] == 3
