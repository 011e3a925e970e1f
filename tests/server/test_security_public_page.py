"""Issue 11.2 and 11.3: what residents hear and the public /r/ page never carry a phone, ID-card or door number;
a bare status code says little and cannot be walked at speed (429 from the real server)."""

from __future__ import annotations

import uuid

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client

from server.core.models import Post, Request, State
from server.workbench import actions
from server.workbench.models import Topic
from sync import protocol
from tests.sync.realserver import running
from tests.workbench.conftest import make_request


def cadre_client(post):
    u = User.objects.create_user("cadre_x", password="pass-word-x")
    post.cadres.add(u)
    c = Client()
    c.force_login(u)
    return c, u


@pytest.mark.django_db
def test_a_rejection_reason_with_a_phone_number_is_refused_on_the_form_and_kept_for_fixing():
    post = Post.objects.create(code="WJZ1", name="一号")
    r = make_request(post, receipt="WJZ1-0427")
    c, _ = cadre_client(post)
    reason = "刘奶奶家(13912345678)不在本小区"
    page = c.post(f"/w/requests/{r.pk}/reject", {"reason": reason}, follow=True).content.decode()
    assert "这段话里有电话号码" in page and reason in page        # the message, and the text back in the form
    r.refresh_from_db()
    assert r.state == State.RECEIVED and "13912345678" not in r.public_note and not r.events.exists()
    for words, kind in (("身份证 62010219500101123X 的老人", "身份证号"), ("住在3号楼2单元501", "门牌号"),
                        ("5-502 的老人不在", "门牌号"), ("电话 139 1234 5678", "电话号码")):
        page = c.post(f"/w/requests/{r.pk}/reject", {"reason": words}, follow=True).content.decode()
        assert kind in page, words
    ok = c.post(f"/w/requests/{r.pk}/reject", {"reason": "这件事归物业管，请打物业电话"}, follow=True)
    assert "已不予受理" in ok.content.decode()
    r.refresh_from_db()
    assert r.state == State.REJECTED


@pytest.mark.django_db
def test_notes_from_every_action_and_topic_outcomes_are_vetted():
    post = Post.objects.create(code="WJZ1", name="一号")
    r = make_request(post)
    c, cadre = cadre_client(post)
    with pytest.raises(actions.ActionError, match="门牌号"):
        actions.accept(r, cadre, public_note="志愿者明天去501室")
    actions.accept(r, cadre)
    page = c.post(f"/w/requests/{r.pk}/resolve", {"resolution": "修好了", "public_note": "打13800001234联系"},
                  follow=True).content.decode()
    assert "电话号码" in page and "修好了" in page
    r.refresh_from_db()
    assert r.state == State.ACCEPTED
    resp = c.post("/w/topics/new/", {"post": post.pk, "title": "3号楼2单元502漏水", "status": "open"})
    assert resp.status_code == 200 and "门牌号" in resp.content.decode() and not Topic.objects.exists()
    c.post("/w/topics/new/", {"post": post.pk, "title": "三号楼漏水", "status": "open"})
    t = Topic.objects.get()
    resp = c.post(f"/w/topics/{t.pk}/", {"post": post.pk, "title": t.title, "status": "decided", "tell": "1",
                                         "outcome": "物业电话0931-8123456"})
    assert resp.status_code == 200 and "电话号码" in resp.content.decode()


@pytest.mark.django_db
def test_the_public_page_shows_the_note_only_with_the_requests_own_token():
    post = Post.objects.create(code="WJZ1", name="王家庄一号阵地")
    r = make_request(post, receipt="WJZ1-0427", public_note="社区已经受理您的诉求，会尽快为您安排。",
                     state=State.ACCEPTED)
    phone = Client(REMOTE_ADDR="10.1.1.1")
    own = phone.get(f"/r/WJZ1-0427?u={r.uuid}").content.decode()
    assert "会尽快为您安排" in own and "已受理" in own and "更新于" in own
    bare = phone.get("/r/WJZ1-0427").content.decode()
    assert "已受理" in bare and "会尽快为您安排" not in bare and "更新于" not in bare
    for secret in ("王奶奶", "13800001234", "501", "想请人帮忙买米", "王家庄一号阵地"):
        assert secret not in own and secret not in bare
    # A note saved before the vetting existed is not shown, even with the token.
    Request.objects.filter(pk=r.pk).update(public_note="刘奶奶家(13912345678)不在本小区")
    assert "13912345678" not in phone.get(f"/r/WJZ1-0427?u={r.uuid}").content.decode()


def test_a_burst_of_bare_codes_from_one_address_gets_429_from_the_real_server(tmp_path):
    with running(tmp_path) as srv:
        item = {"kind": "request", "uuid": str(uuid.uuid4()), "receipt": "WJZ1-0427", "category": "gas_recharge",
                "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00", "name": "张奶奶"}
        r = requests.post(srv.url + protocol.SUBMIT_PATH, json={"protocol": 1, "items": [item]},
                          headers={"Authorization": f"Bearer {srv.token}"}, timeout=10)
        assert r.json()["results"][0]["status"] == "created"
        s = requests.Session()
        statuses = [s.get(f"{srv.url}/r/WJZ1-{n:04d}", timeout=10).status_code for n in range(30)]
        assert statuses.count(429) >= 15 and set(statuses) <= {200, 404, 429}, statuses
        limited = s.get(f"{srv.url}/r/WJZ1-0427", timeout=10)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert "text/html" in limited.headers["Content-Type"] and "查询太频繁" in limited.text
        # The resident with the QR (the request's own token) is not held back by someone else's walk.
        own = s.get(f"{srv.url}/r/WJZ1-0427?u={item['uuid']}", timeout=10)
        assert own.status_code == 200 and "代充燃气" in own.text


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_throttle_counts_each_client_not_the_proxy(monkeypatch):
    from server.api.receipt import BARE_LOOKUPS

    post = Post.objects.create(code="WJZ1", name="一号")
    make_request(post, receipt="WJZ1-0427")
    BARE_LOOKUPS.reset()
    monkeypatch.setenv("COMMUNITY_TRUSTED_PROXIES", "10.0.0.1")
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    walker = [proxy.get(f"/r/WJZ1-{n:04d}", HTTP_X_FORWARDED_FOR="192.168.1.50").status_code for n in range(20)]
    assert 429 in walker
    assert proxy.get("/r/WJZ1-0427", HTTP_X_FORWARDED_FOR="192.168.1.77").status_code == 200   # another resident
    # A client that is not the proxy cannot pick its address by writing the header.
    # (the walker's 192.168.1.50 is held back; someone else naming it in the header is not that client)
    direct = Client(REMOTE_ADDR="192.168.1.60")
    assert direct.get("/r/WJZ1-0427", HTTP_X_FORWARDED_FOR="192.168.1.50").status_code == 200
    assert [direct.get(f"/r/WJZ1-{n:04d}", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1").status_code
            for n in range(20)].count(429) >= 5
