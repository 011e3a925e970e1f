"""Phone pages, practice tokens, progress handler and the teacher pages, in-process on real SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from server.core.models import Kiosk, Post
from server.lessons.models import Attendance, ClassSession, Learner, PracticeToken, Progress
from server.lessons.progress import handle_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk():
    post = Post.objects.create(code="WJZ1", name="王家庄社区幸福微+党员阵地")
    return Kiosk.issue(post, "WJZ1-1")[0]


def test_lesson_page_for_phones_shows_every_step():
    page = Client().get("/l/scan_pay")
    assert page.status_code == 200
    text = page.content.decode()
    assert "扫码付款" in text and "第8步/共8步" in text and 'name="viewport"' in text
    assert "把手机举稳" in text   # narration text, not only the headings
    missing = Client().get("/l/no_such_lesson")
    assert missing.status_code == 404 and "没有找到这节课" in missing.content.decode()


def test_practice_token_scan_confirm_then_reuse_is_friendly(kiosk):
    pt = PracticeToken.issue(kiosk.post, kiosk, "scan_pay")
    phone = Client(enforce_csrf_checks=True)
    page = phone.get(f"/p/{pt.token}")
    assert page.status_code == 200 and "练习" in page.content.decode() and "¥12.00" in page.content.decode()
    pt.refresh_from_db()
    assert pt.state == "scanned" and pt.completed_at is None
    csrf = phone.cookies["csrftoken"].value
    done = phone.post(f"/p/{pt.token}", {"csrfmiddlewaretoken": csrf})
    assert done.status_code == 200 and "支付成功（练习）" in done.content.decode()
    pt.refresh_from_db()
    assert pt.state == "done"
    again = phone.get(f"/p/{pt.token}")
    assert again.status_code == 410 and "已经用过了" in again.content.decode()
    assert phone.post(f"/p/{pt.token}", {"csrfmiddlewaretoken": csrf}).status_code == 410
    # A phone browser that keeps no cookies can still finish its practice.
    other = PracticeToken.issue(kiosk.post, kiosk, "scan_pay")
    assert Client(enforce_csrf_checks=True).post(f"/p/{other.token}").status_code == 200
    unknown = Client().get("/p/nonsense")
    assert unknown.status_code == 404 and "练习码不对" in unknown.content.decode()


def test_expired_practice_token_is_friendly_and_cannot_complete(kiosk):
    pt = PracticeToken.issue(kiosk.post, kiosk, "scan_pay")
    PracticeToken.objects.filter(pk=pt.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = Client().get(f"/p/{pt.token}")
    assert page.status_code == 410 and "过期" in page.content.decode()
    assert Client().post(f"/p/{pt.token}").status_code == 410
    pt.refresh_from_db()
    assert pt.state == "expired" and pt.completed_at is None


def _item(outcome="finished", learner=None, session=None, lesson="scan_pay"):
    return {"kind": "lesson_progress", "uuid": str(uuid.uuid4()), "lesson_id": lesson, "outcome": outcome,
            "at": timezone.now().isoformat(), "learner": learner, "session": session}


def test_progress_handler_stores_each_item_once_and_rejects_bad_ones(kiosk):
    learner = {"uuid": str(uuid.uuid4()), "name": "李桂兰", "building": "3号楼"}
    session = {"uuid": str(uuid.uuid4()), "lesson_id": "scan_pay", "started_at": timezone.now().isoformat()}
    att = _item("attended", learner, session)
    fin = _item("finished", learner, session)
    assert handle_progress(kiosk, att)["status"] == "created"
    assert handle_progress(kiosk, fin)["status"] == "created"
    assert handle_progress(kiosk, att)["status"] == "duplicate"
    assert (Learner.objects.count(), ClassSession.objects.count(), Attendance.objects.count(),
            Progress.objects.count()) == (1, 1, 1, 2)
    bad = handle_progress(kiosk, {**_item(lesson="juggling"), "colour": "red"})
    assert bad["status"] == "rejected" and "lesson_id" in bad["reason"] and "colour: unknown field" in bad["reason"]
    assert handle_progress(kiosk, _item("attended"))["status"] == "rejected"   # attendance needs who and which class


def test_teacher_pages_show_sessions_attendance_and_completion(kiosk):
    learner = {"uuid": str(uuid.uuid4()), "name": "李桂兰"}
    session = {"uuid": str(uuid.uuid4()), "lesson_id": "video_call", "started_at": timezone.now().isoformat()}
    for outcome in ("attended", "finished"):
        handle_progress(kiosk, _item(outcome, learner, session, lesson="video_call"))
    other = Post.objects.create(code="XY1", name="别的阵地")
    Learner.objects.create(uuid=uuid.uuid4(), post=other, name="外人甲")
    cadre = User.objects.create_user("cadre", password="pw-12345678")
    kiosk.post.cadres.add(cadre)
    c = Client()
    assert c.get("/lessons/").status_code == 302    # login first
    c.force_login(cadre)
    text = c.get("/lessons/").content.decode()
    assert "微信视频通话" in text and "李桂兰" in text and "外人甲" not in text
    s = ClassSession.objects.get()
    detail = c.get(f"/lessons/sessions/{s.pk}/").content.decode()
    assert "李桂兰" in detail and "✓ 学会了" in detail and "到课 1 人" in detail
