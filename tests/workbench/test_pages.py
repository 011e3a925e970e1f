"""The cadre pages through Django's test client: per-post authorisation in the queries, CSRF,
login throttle, exports, audit log."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from server.core.models import Kiosk, State
from server.workbench import actions
from server.workbench.models import AuditLog, LoginFailure, Topic
from tests.workbench.conftest import make_request

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_cadre_of_another_post_gets_404_reading_or_changing(world):
    rb, c = world["rb"], client_for(world["cadre_a"])
    assert c.get(f"/w/requests/{rb.pk}/").status_code == 404
    assert c.post(f"/w/requests/{rb.pk}/accept").status_code == 404
    rb.refresh_from_db()
    assert rb.state == State.RECEIVED and not rb.events.exists()
    inbox = c.get("/w/inbox/").content.decode()
    assert world["ra"].receipt in inbox and rb.receipt not in inbox
    assert rb.receipt not in c.get(f"/w/inbox/?post={world['b'].code}&state=all").content.decode()
    # The admin sees both.
    admin_inbox = client_for(world["admin"]).get("/w/inbox/").content.decode()
    assert world["ra"].receipt in admin_inbox and rb.receipt in admin_inbox


def test_volunteer_sees_only_own_tasks_and_no_cadre_pages(world):
    ra, vol = world["ra"], world["vol"]
    c = client_for(vol.user)
    assert c.get("/").url == "/w/tasks/"
    assert c.get(f"/w/requests/{ra.pk}/").status_code == 404          # not assigned yet
    for page in ("/w/inbox/", "/w/volunteers/", "/w/metrics/", "/w/export.csv", "/w/kiosks/"):
        assert c.get(page).status_code == 404, page
    actions.assign(ra, world["cadre_a"], vol)
    assert ra.receipt in c.get("/w/tasks/").content.decode()
    r = c.post(f"/w/requests/{ra.pk}/resolve", {"resolution": "米已送到"})
    assert r.status_code == 302 and r.url == "/w/tasks/"
    ra.refresh_from_db()
    assert ra.state == State.RESOLVED and ra.events.last().actor == vol.user
    assert c.post(f"/w/requests/{ra.pk}/follow_up", {"satisfaction": "5"}).status_code == 302
    ra.refresh_from_db()
    assert ra.state == State.RESOLVED        # a volunteer cannot record the follow-up


def test_actions_through_the_pages(world):
    ra, c = world["ra"], client_for(world["cadre_a"])
    page = c.get(f"/w/requests/{ra.pk}/").content.decode()
    assert "王奶奶" in page and "13800001234" in page and "受理" in page
    assert AuditLog.objects.filter(user=world["cadre_a"], request=ra, action="view").exists()
    c.post(f"/w/requests/{ra.pk}/assign", {"volunteer": world["vol"].pk, "public_note": "赵师傅明天上午上门"})
    ra.refresh_from_db()
    assert ra.state == State.ASSIGNED and ra.public_note == "赵师傅明天上午上门"
    r = c.post(f"/w/requests/{ra.pk}/reject", {"reason": ""}, follow=True)
    assert "不能不予受理" in r.content.decode() or "原因" in r.content.decode()
    ra.refresh_from_db()
    assert ra.state == State.ASSIGNED


def test_csrf_is_enforced_on_every_form(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world["cadre_a"])
    assert c.post(f"/w/requests/{world['ra'].pk}/accept").status_code == 403
    assert c.post("/w/volunteers/new/", {"name": "x"}).status_code == 403
    page = c.get(f"/w/requests/{world['ra'].pk}/").content.decode()
    assert page.count("<form") == page.count("csrfmiddlewaretoken")


def test_login_throttle_locks_after_five_failures(world):
    c = Client()
    for _ in range(5):
        r = c.post("/login/", {"username": "cadre_a", "password": "wrong-password"})
        assert "用户名或密码不对" in r.content.decode()
    r = c.post("/login/", {"username": "cadre_a", "password": "pass-word-a"})
    assert "登录失败次数太多" in r.content.decode() and "_auth_user_id" not in c.session
    assert AuditLog.objects.filter(action="login_failed").count() == 5
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    r = c.post("/login/", {"username": "cadre_a", "password": "pass-word-a"})
    assert r.status_code == 302 and r.url == "/"
    assert c.get("/").url == "/w/inbox/"


def test_passwords_are_hashed_with_argon2(world):
    assert world["cadre_a"].password.startswith("argon2")


def test_inbox_orders_overdue_then_urgent_then_newest_and_polls(world):
    a, c = world["a"], client_for(world["cadre_a"])
    late = make_request(a, "shopping", ago=timedelta(hours=30))
    gas = make_request(a, "gas_recharge", ago=timedelta(minutes=5))
    newest = make_request(a, "message")
    rows = c.get("/w/inbox/").context["rows"]
    order = [r.pk for r in rows]
    assert order.index(late.pk) < order.index(gas.pk) < order.index(newest.pk)
    assert rows[0].overdue and not rows[-1].overdue
    latest = c.get("/w/inbox/").context["latest"]
    assert c.get(f"/w/inbox/poll?after={latest}").json() == {"new": 0}
    make_request(a, "shopping")
    make_request(world["b"], "shopping")           # another post's arrival is not announced
    assert c.get(f"/w/inbox/poll?after={latest}").json() == {"new": 1}


def test_exports_contain_only_visible_requests_and_are_audited(world):
    c = client_for(world["cadre_a"])
    r = c.get("/w/export.csv?state=all")
    body = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "回执号" and [row[0] for row in rows[1:]] == [world["ra"].receipt]
    assert rows[1][4] == "王奶奶"
    x = c.get("/w/export.xlsx?state=all")
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws.cell(2, 1).value == world["ra"].receipt and ws.max_row == 2
    assert AuditLog.objects.filter(action="export").count() == 2
    assert c.get("/w/export.pdf").status_code == 404


def test_formula_injection_is_defused_in_exports(world):
    make_request(world["a"], text="=HYPERLINK(\"http://x\")")
    body = b"".join(client_for(world["cadre_a"]).get("/w/export.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_daily_list_metrics_kiosks_topics_volunteers_audit(world):
    a, cadre = world["a"], world["cadre_a"]
    c = client_for(cadre)
    daily = c.get(f"/w/daily/?post={a.code}").content.decode()
    assert world["ra"].receipt in daily and "王奶奶" in daily
    assert c.get(f"/w/daily/?post={world['b'].code}").status_code == 404
    actions.accept(world["ra"], cadre)
    actions.resolve(world["ra"], cadre, "已办")
    actions.follow_up(world["ra"], cadre, 4)
    m = c.get("/w/metrics/")
    assert m.context["overall"].total == 1 and m.context["overall"].satisfaction_rate == 100.0
    assert m.context["overall"].response_rate == 100.0 and "<svg" in m.content.decode()
    Kiosk.issue(a, "WJZ1-1")
    Kiosk.issue(world["b"], "WJZ2-1")
    k = c.get("/w/kiosks/").content.decode()
    assert "WJZ1-1" in k and "WJZ2-1" not in k and "超过一小时没有联系" in k
    r = c.post("/w/topics/new/", {"post": a.pk, "title": "垃圾点", "status": "open"})
    assert r.status_code == 302 and Topic.objects.get().title == "垃圾点"
    r = c.post("/w/topics/new/", {"post": world["b"].pk, "title": "别人的", "status": "open"})
    assert r.status_code == 200 and Topic.objects.count() == 1        # another post is not a choice
    r = c.post("/w/volunteers/new/", {"name": "钱师傅", "kind": "merchant", "skills": ["home_repair"],
                                      "posts": [a.pk], "username": "qian", "active": "on"})
    assert r.status_code == 302
    assert User.objects.get(username="qian").first_name == "钱师傅"   # access comes as a one-time link
    assert "钱师傅" in c.get("/w/volunteers/").content.decode()
    assert c.get("/w/audit/").status_code == 404
    assert "查看" in client_for(world["admin"]).get("/w/audit/").content.decode()


def test_roles_home_pages(world):
    from django.contrib.auth.models import User

    from server.workbench import roles
    teacher = User.objects.create_user("teacher", password="teach-pass-1")
    roles.make_teacher(teacher)
    assert roles.role(teacher) == "teacher"
    page = client_for(teacher).get("/", follow=True)
    assert page.redirect_chain[-1][0] == "/lessons/"          # a teacher starts at the class records
    assert page.status_code == 200 and "手机课" in page.content.decode()
    assert client_for(teacher).get(f"/w/requests/{world['ra'].pk}/").status_code == 404
    assert client_for(world["cadre_a"]).get("/").url == "/w/inbox/"
    boss = User.objects.create_user("boss", password="boss-pass-1")
    roles.make_admin(boss)
    assert client_for(boss).get(f"/w/requests/{world['rb'].pk}/").status_code == 200


def test_editing_a_shared_volunteer_keeps_the_other_posts(world):
    vol, a, b = world["vol"], world["a"], world["b"]
    vol.posts.add(b)
    c = client_for(world["cadre_a"])
    r = c.post(f"/w/volunteers/{vol.pk}/", {"name": "赵志愿", "kind": "volunteer", "skills": ["shopping", "sanitation"],
                                            "posts": [a.pk], "username": "vol", "active": "on"})
    assert r.status_code == 302
    vol.refresh_from_db()
    assert set(vol.posts.all()) == {a, b} and vol.skills == ["shopping", "sanitation"]
    assert vol.user.check_password("pass-word-vol")       # editing the record leaves the login alone
    assert client_for(world["cadre_b"]).get(f"/w/volunteers/{vol.pk}/").status_code == 200
    other = world["cadre_b"]
    world["b"].volunteers.remove(vol)
    assert client_for(other).get(f"/w/volunteers/{vol.pk}/").status_code == 404


def test_metrics_rates_and_averages(world):
    from server.core.models import Request
    from server.workbench import metrics
    a = world["a"]
    now = timezone.now()
    t = now - timedelta(days=3)
    make_request(a, "shopping", received_at=t, accepted_at=t + timedelta(hours=2), state=State.FOLLOWED_UP,
                 resolved_at=t + timedelta(hours=10), satisfaction=5)
    make_request(a, "gas_recharge", received_at=t, accepted_at=t + timedelta(hours=4), state=State.RESOLVED,
                 resolved_at=t + timedelta(hours=20))                       # accepted late: 2 h limit
    make_request(a, "shopping", received_at=t, state=State.REJECTED, accepted_at=None)
    make_request(a, "sanitation", received_at=t, state=State.FOLLOWED_UP, accepted_at=t + timedelta(hours=1),
                 resolved_at=t + timedelta(hours=30), satisfaction=2)
    Request.objects.filter(pk=world["ra"].pk).delete()
    d = metrics.compute(Request.objects.filter(post=a), months=3, now=now)
    o = d["overall"]
    assert o.total == 4
    assert o.response_rate == 50.0          # 2 of 4 accepted in time
    assert o.resolution_rate == 100.0       # 3 of 3 (the rejected one is not counted)
    assert o.satisfaction_rate == 50.0      # one 5, one 2
    assert o.avg_accept_h == 2.3 and o.avg_resolve_h == 20.0   # accepted after 2, 4, 1 h; resolved after 10, 20, 30 h
    assert len(d["by_month"]) == 3 and "<svg" in d["chart_rates"] and "<script" not in d["chart_rates"]


def test_garbage_form_values_get_a_clear_message_not_an_error(world):
    ra, c = world["ra"], client_for(world["cadre_a"])
    for action, data, words in (("assign", {"volunteer": "abc"}, "请选一位志愿者"),
                                ("merge", {"topic": "1; drop"}, "请选一个议事"),
                                ("nonsense", {}, None)):
        r = c.post(f"/w/requests/{ra.pk}/{action}", data, follow=True)
        if words is None:
            assert r.status_code == 404
        else:
            assert r.status_code == 200 and words in r.content.decode()
    actions.accept(ra, world["cadre_a"])
    actions.resolve(ra, world["cadre_a"], "已办")
    r = c.post(f"/w/requests/{ra.pk}/follow_up", {"satisfaction": "五"}, follow=True)
    assert "满意、基本满意或不满意" in r.content.decode()
    ra.refresh_from_db()
    assert ra.state == State.RESOLVED
    assert c.get("/w/inbox/?page=zz&date_from=notadate").status_code == 200
    assert c.get("/w/daily/?date=yesterday").status_code == 200
    assert c.get("/w/metrics/?months=-3").status_code == 200
