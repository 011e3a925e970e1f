"""没听懂的话 on the workbench (server/voicelearn): who sees and labels which utterances, the audit of each
label, and the per-post versioned phrases the kiosks fetch (GET /api/v1/voice/phrases)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from server.core.models import Kiosk, Post
from server.voicelearn.kinds import handle_utterance
from server.voicelearn.models import Utterance
from server.workbench.models import AuditLog
from server.workbench.roles import make_admin
from sync import protocol

pytestmark = pytest.mark.django_db


def _said(kiosk, text: str) -> Utterance:
    item = {"kind": "utterance", "uuid": str(uuid.uuid4()), "text": text, "heard_at": timezone.now().isoformat()}
    assert handle_utterance(kiosk, item)["status"] == protocol.CREATED
    assert handle_utterance(kiosk, item)["status"] == protocol.DUPLICATE
    assert handle_utterance(kiosk, {**item, "text": text + "了"})["status"] == protocol.CONFLICT
    return Utterance.objects.get(uuid=item["uuid"])


@pytest.fixture
def posts():
    a, b = Post.objects.create(code="WJZ1", name="一号"), Post.objects.create(code="WJZ2", name="二号")
    (ka, ta), (kb, tb) = Kiosk.issue(a, "一号机"), Kiosk.issue(b, "二号机")
    cadre = User.objects.create_user("cadre_a", password="pass-word-a")
    a.cadres.add(cadre)
    return {"a": a, "b": b, "ka": ka, "kb": kb, "ta": ta, "tb": tb, "cadre": cadre}


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _phrases(token: str, after: int = 0) -> dict:
    r = Client().get(protocol.PHRASES_PATH, {"after": after}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200
    body = r.json()
    assert protocol.validate_phrases(body) == {}
    return body


def test_a_cadre_labels_only_their_posts_utterances_and_each_label_is_audited(posts):
    mine = _said(posts["ka"], "我想给老伴办个那个本本")
    again = _said(posts["ka"], "我想给老伴办个那个本本")   # the same words said twice: one tap labels both
    theirs = _said(posts["kb"], "二号阵地的话")
    c = _client(posts["cadre"])
    page = c.get("/w/utterances/").content.decode()
    assert "我想给老伴办个那个本本" in page and "二号阵地的话" not in page and "不是诉求" in page
    assert 'href="/w/utterances/"' in page                                   # in the workbench menu
    assert c.post(f"/w/utterances/{theirs.pk}/label", {"label": "shopping"}).status_code == 404
    assert c.post(f"/w/utterances/{mine.pk}/label", {"label": "nonsense"}).status_code == 404
    assert c.get(f"/w/utterances/{mine.pk}/label").status_code == 405
    assert c.post(f"/w/utterances/{mine.pk}/label", {"label": "welfare_aid"}).status_code == 302
    mine.refresh_from_db()
    again.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.label, again.label, theirs.label) == ("welfare_aid", "welfare_aid", "")
    assert mine.labelled_by == posts["cadre"]
    log = AuditLog.objects.get(action="label_utterance")
    assert log.user == posts["cadre"] and "我想给老伴办个那个本本 → welfare_aid" in log.detail


def test_the_admin_sees_every_post_and_others_get_404(posts):
    theirs = _said(posts["kb"], "二号阵地的话")
    admin = User.objects.create_user("boss", password="pass-word-b")
    make_admin(admin)
    assert "二号阵地的话" in _client(admin).get("/w/utterances/").content.decode()
    assert _client(admin).post(f"/w/utterances/{theirs.pk}/label", {"label": protocol.NOT_REQUEST}).status_code == 302
    nobody = User.objects.create_user("nobody", password="pass-word-c")
    assert _client(nobody).get("/w/utterances/").status_code == 404
    assert _client(nobody).post(f"/w/utterances/{theirs.pk}/label", {"label": "shopping"}).status_code == 404
    assert Client().get("/w/utterances/").status_code == 302                  # to the login page


def test_phrases_are_per_post_versioned_and_follow_the_latest_label(posts):
    assert _phrases(posts["ta"]) == {"protocol": 1, "version": 0}
    u = _said(posts["ka"], "屋里的暖壶坏了")
    chat = _said(posts["ka"], "尕娃的作业不会写")
    c = _client(posts["cadre"])
    c.post(f"/w/utterances/{u.pk}/label", {"label": "home_repair"})
    c.post(f"/w/utterances/{chat.pk}/label", {"label": protocol.NOT_REQUEST})
    body = _phrases(posts["ta"])
    assert body["version"] == 2
    assert body["phrases"] == {"home_repair": ["屋里的暖壶坏了"]} and body["not_requests"] == ["尕娃的作业不会写"]
    assert _phrases(posts["ta"], after=2) == {"protocol": 1, "version": 2}       # unchanged: no lists
    assert _phrases(posts["tb"]) == {"protocol": 1, "version": 0}                # the other post learned nothing
    c.post(f"/w/utterances/{u.pk}/label?show=all", {"label": "building_facility", "show": "all"})
    body = _phrases(posts["ta"], after=2)
    assert body["version"] == 3 and body["phrases"] == {"building_facility": ["屋里的暖壶坏了"]}
    assert _phrases(posts["ta"], after=99)["version"] == 3 and "phrases" in _phrases(posts["ta"], after=99)


def test_the_handler_refuses_what_the_protocol_refuses(posts):
    bad = {"kind": "utterance", "uuid": str(uuid.uuid4()), "text": "电话13912345678", "heard_at": "2026-11-29T09:00:00+08:00"}
    out = handle_utterance(posts["ka"], bad)
    assert out["status"] == protocol.REJECTED and "text" in out["fields"]
    assert handle_utterance(posts["ka"], {**bad, "text": ""})["status"] == protocol.REJECTED
    assert not Utterance.objects.exists()
