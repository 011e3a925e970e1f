"""The API's per-item verdicts, the set_aside kind and the lessons envelope, in process (Django test client):
runs on SQLite and on PostgreSQL (DATABASE_URL=... pytest -m django_db)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from server.api import kinds
from server.core.models import Kiosk, Post, Request, RequestEvent
from server.lessons.models import Learner, Progress
from sync import protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    post = Post.objects.create(code="WJZ1", name="王家庄")
    return Kiosk.issue(post, "WJZ1-1")[1]


def call(token, path, body=None, method="post"):
    c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    if method == "get":
        return c.get(path)
    return c.post(path, body if isinstance(body, (bytes, str)) else json.dumps(body), content_type="application/json")


def submit(token, items):
    r = call(token, protocol.SUBMIT_PATH, {"protocol": 1, "items": items})
    assert r.status_code == 200, r.content[:300]
    return r.json()["results"]


def request_item(**kw):
    return {"uuid": str(uuid.uuid4()), "receipt": "WJZ1-0427", "category": "gas_recharge", "channel": "touch",
            "created_at": "2026-11-28T09:00:00+08:00", "name": "张奶奶", **kw}


def progress_item(**kw):
    return {"kind": "lesson_progress", "uuid": str(uuid.uuid4()), "lesson_id": "scan_pay", "outcome": "finished",
            "at": "2026-11-28T09:00:00+08:00", "learner": {"uuid": str(uuid.uuid4()), "name": "王伯伯",
                                                          "building": "", "unit": "", "room": ""},
            "session": None, **kw}


def test_nul_and_surrogates_are_rejected_before_the_database(token):
    items = [request_item(name="a\x00b"), request_item(building="\udc80"), progress_item(lesson_id="scan\x00pay"),
             progress_item(learner={"uuid": str(uuid.uuid4()), "name": "\ud83d"}), request_item()]
    res = submit(token, items)
    assert [r["status"] for r in res] == ["rejected"] * 4 + ["created"]
    assert "name" in res[0]["fields"] and "building" in res[1]["fields"] and "lesson_id" in res[2]["fields"]
    assert "learner.name" in res[3]["fields"]
    assert Request.objects.count() == 1 and not Learner.objects.exists()


def test_a_handler_that_fails_answers_rejected_and_the_rest_is_stored(token, monkeypatch):
    """A bug in one kind's handler must not leave its items unanswered (retried for ever)."""
    def broken(kiosk, item):
        raise KeyError("bug")

    monkeypatch.setitem(kinds.HANDLERS, "lesson_progress", broken)
    res = submit(token, [progress_item(), request_item()])
    assert res[0]["status"] == "rejected" and res[0]["fields"] == {"item": "server could not store it"}
    assert res[1]["status"] == "created" and Request.objects.count() == 1


def test_set_aside_is_a_request_in_the_inbox_once(token):
    uid = str(uuid.uuid4())
    report = {"kind": "set_aside", "uuid": uid, "receipt": "WJZ1-0031", "category": "home_repair",
              "reason": "payload: cut JSON", "set_aside_at": "2026-11-29T08:00:00+08:00"}
    first = submit(token, [report])[0]
    assert first["status"] == "created" and first["receipt"] == "WJZ1-0031"
    assert submit(token, [report])[0]["status"] == "duplicate"
    req = Request.objects.get(uuid=uid)
    assert (req.channel, req.category, req.issued_receipt, req.state) == ("kiosk", "home_repair", "WJZ1-0031",
                                                                           "received")
    assert req.text.startswith(kinds.SET_ASIDE_NOTE) and "cut JSON" in req.text
    assert RequestEvent.objects.filter(request=req).count() == 1
    clash = submit(token, [{**report, "uuid": str(uuid.uuid4())}])[0]    # another row with the same code
    assert clash["status"] == "created" and clash["receipt"] != "WJZ1-0031"
    assert Request.objects.get(uuid=clash["uuid"]).issued_receipt == "WJZ1-0031"   # the resident's code finds it


def test_set_aside_of_a_delivered_request_changes_nothing(token):
    it = request_item(receipt="WJZ1-0100")
    assert submit(token, [it])[0]["status"] == "created"
    again = submit(token, [{"kind": "set_aside", "uuid": it["uuid"], "receipt": "WJZ1-0100", "category": "",
                            "reason": "", "set_aside_at": "2026-11-29T08:00:00+08:00"}])[0]
    assert again["status"] == "duplicate"
    assert Request.objects.get(uuid=it["uuid"]).channel == "touch"


def test_lessons_answer_inside_the_envelope(token):
    r = call(token, protocol.LESSONS_PATH + "/catalog", method="get")
    assert r.status_code == 200 and r.json()["protocol"] == 1 and r.json()["lessons"]
    r = call(token, protocol.LESSONS_PATH + "/roster", method="get")
    assert r.json() == {"protocol": 1, "learners": []}
    r = call(token, protocol.LESSONS_PATH + "/catalog/nope", method="get")
    assert r.status_code == 404 and r.json()["protocol"] == 1 and r.json()["error"] == "not_found"
    r = call(token, protocol.LESSONS_PATH + "/practice", b"{")
    assert r.status_code == 400 and r.json()["error"] == "unparseable"
    r = call(token, protocol.LESSONS_PATH + "/practice", {"lesson_id": "x" * 41})
    assert r.status_code == 422 and r.json()["protocol"] == 1 and "lesson_id" in r.json()["fields"]
    assert not Progress.objects.exists()
