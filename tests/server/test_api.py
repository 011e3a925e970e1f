"""The kiosk API in process (Django test client): runs on SQLite and on PostgreSQL (scripts/test)."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from server.api import kinds
from server.core.models import Kiosk, Post, Request, RequestEvent
from sync import protocol

pytestmark = pytest.mark.django_db


def item(**kw):
    return {"kind": "request", "uuid": str(uuid.uuid4()), "receipt": "WJZ1-0427", "category": "gas_recharge",
            "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00", "name": "张奶奶", "room": "3-301", **kw}


@pytest.fixture
def kiosk():
    post = Post.objects.create(code="WJZ1", name="王家庄")
    k, token = Kiosk.issue(post, "WJZ1-1")
    return k, token


def call(token, path, body=None, method="post", **extra):
    c = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return c.get(path, body or {}, **headers, **extra)
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return c.post(path, data, content_type="application/json", **headers, **extra)


def submit(token, items):
    return call(token, protocol.SUBMIT_PATH, {"protocol": 1, "items": items})


def test_created_then_duplicate_then_conflict(kiosk):
    _, token = kiosk
    it = item()
    r = submit(token, [it])
    assert r.status_code == 200
    res = r.json()["results"]
    assert res == [{"uuid": it["uuid"], "status": "created", "receipt": "WJZ1-0427", "state": "received",
                    "reason": None, "fields": None}]
    assert submit(token, [it]).json()["results"][0]["status"] == "duplicate"
    changed = submit(token, [{**it, "text": "另一件事"}]).json()["results"][0]
    assert changed["status"] == "conflict" and "conflict" in changed["reason"]
    assert Request.objects.count() == 1 and RequestEvent.objects.count() == 1
    req = Request.objects.get()
    assert (req.contact_name, req.room, req.kiosk.name, req.post.code) == ("张奶奶", "3-301", "WJZ1-1", "WJZ1")


def test_per_item_rejections_name_the_fields(kiosk):
    _, token = kiosk
    good = item(receipt="WJZ1-0001")
    bad_cat = item(receipt="WJZ1-0002", category="unicorns")
    no_contact = item(receipt="WJZ1-0003", name="", room="")
    too_long = item(receipt="WJZ1-0004", phone="1" * 30)
    unknown_kind = {"kind": "teleport", "uuid": str(uuid.uuid4())}
    res = submit(token, [good, bad_cat, no_contact, too_long, unknown_kind]).json()["results"]
    assert [r["status"] for r in res] == ["created", "rejected", "rejected", "rejected", "rejected"]
    assert "category" in res[1]["fields"] and "contact" in res[2]["fields"] and "phone" in res[3]["fields"]
    assert "teleport" in res[4]["reason"]
    assert list(Request.objects.values_list("receipt", flat=True)) == ["WJZ1-0001"]


def test_auth_errors_are_clear_json(kiosk):
    k, token = kiosk
    r = submit(None, [item()])
    assert r.status_code == 401 and r.json()["error"] == "no_token"
    r = submit("k_wrong", [item()])
    assert r.status_code == 401 and r.json()["error"] == "bad_token"
    Kiosk.objects.filter(pk=k.pk).update(revoked_at="2026-11-28T00:00:00Z")
    r = submit(token, [item()])
    assert r.status_code == 403 and r.json()["error"] == "revoked" and Request.objects.count() == 0


def test_limits_413_and_validation_422(kiosk):
    _, token = kiosk
    r = submit(token, [item() for _ in range(protocol.MAX_BATCH_ITEMS + 1)])
    assert r.status_code == 413 and r.json()["error"] == "batch_too_large"
    big = json.dumps({"protocol": 1, "items": [item(text="字" * 2000) for _ in range(200)]})
    assert len(big.encode()) > protocol.MAX_BODY_BYTES
    r = call(token, protocol.SUBMIT_PATH, big)
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    r = call(token, protocol.SUBMIT_PATH, {"items": []})
    assert r.status_code == 422 and "protocol" in r.json()["detail"]
    r = call(token, protocol.SUBMIT_PATH, {"protocol": 2, "items": []})
    assert r.status_code == 422 and "protocol" in r.json()["detail"]
    r = call(token, protocol.SUBMIT_PATH, b"{not json at all")
    assert r.status_code in (400, 422) and r["Content-Type"].startswith("application/json")
    assert Request.objects.count() == 0


def test_updates_feed_by_cursor_only_own_requests(kiosk):
    k, token = kiosk
    other, other_token = Kiosk.issue(k.post, "WJZ1-2")
    mine, theirs = item(receipt="WJZ1-0001"), item(receipt="WJZ1-0002")
    submit(token, [mine])
    submit(other_token, [theirs])
    r = call(token, protocol.UPDATES_PATH, {"after": 0}, method="get").json()
    assert [e["uuid"] for e in r["events"]] == [mine["uuid"]] and r["events"][0]["state"] == "received"
    cursor = r["cursor"]
    req = Request.objects.get(uuid=mine["uuid"])
    RequestEvent.objects.create(request=req, from_state="received", to_state="accepted", public_note="明天上午上门")
    r = call(token, protocol.UPDATES_PATH, {"after": cursor}, method="get").json()
    assert [(e["state"], e["public_note"]) for e in r["events"]] == [("accepted", "明天上午上门")]
    assert r["cursor"] > cursor and r["more"] is False
    assert call(token, protocol.UPDATES_PATH, {"after": r["cursor"]}, method="get").json()["events"] == []


def test_heartbeat_and_catalog(kiosk):
    k, token = kiosk
    r = call(token, protocol.HEARTBEAT_PATH, {"protocol": 1, "version": "0.1.0", "queue_length": 3,
                                              "oldest_queued_s": 120, "voice_health": "麦克风未连接"})
    assert r.status_code == 200 and r.json()["ok"] is True
    k.refresh_from_db()
    assert (k.queue_length, k.oldest_queued_s, k.voice_health, k.version) == (3, 120, "麦克风未连接", "0.1.0")
    assert k.last_seen is not None
    r = call(token, protocol.HEARTBEAT_PATH, {"protocol": 1, "queue_length": -1})
    assert r.status_code == 422 and "queue_length" in r.json()["detail"]
    cat = call(token, protocol.CATALOG_PATH, method="get").json()
    assert "gas_recharge" in [c["id"] for c in cat["categories"]]


def test_receipt_clash_between_two_kiosks_renumbers_and_both_are_found(kiosk):
    k, token = kiosk
    _, token2 = Kiosk.issue(k.post, "WJZ1-2")
    first, second = item(receipt="WJZ1-0427"), item(receipt="WJZ1-0427", name="李爷爷")
    assert submit(token, [first]).json()["results"][0]["receipt"] == "WJZ1-0427"
    res = submit(token2, [second]).json()["results"][0]
    assert res["status"] == "created" and res["receipt"] != "WJZ1-0427"
    assert protocol.RECEIPT_RE.match(res["receipt"])
    assert Request.objects.get(uuid=second["uuid"]).issued_receipt == "WJZ1-0427"
    # The phone page: the QR carries the uuid, so each resident sees their own request.
    page = Client().get(f"/r/WJZ1-0427?u={second['uuid']}")
    assert page.status_code == 200 and "代充燃气" in page.content.decode()
    page = Client().get(f"/r/{res['receipt']}")
    assert page.status_code == 200 and "社区已收到" in page.content.decode()
    # a resend after the clash is a duplicate, not a third record
    assert submit(token2, [second]).json()["results"][0]["status"] == "duplicate"
    assert Request.objects.count() == 2


def test_status_page_shows_no_personal_data(kiosk):
    _, token = kiosk
    it = item(receipt="WJZ1-1234", name="王秀英", phone="13800001111", room="5-502", text="燃气卡没钱了")
    submit(token, [it])
    html = Client().get("/r/wjz1-1234").content.decode()
    assert "代充燃气" in html and "社区已收到" in html
    for secret in ("王秀英", "13800001111", "5-502", "燃气卡没钱了"):
        assert secret not in html
    missing = Client().get("/r/WJZ1-9999")
    assert missing.status_code == 404 and "没有找到" in missing.content.decode()


def test_openapi_document_is_published():
    doc = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/kiosk/submit", "/api/v1/kiosk/updates", "/api/v1/kiosk/heartbeat"} <= set(doc["paths"])


def test_request_kind_registered():
    assert "request" in kinds.HANDLERS


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_store_one_record(kiosk):
    """Eight threads (own DB connections) send the same batch at once: one record per UUID."""
    _, token = kiosk
    batch = [item(receipt=f"WJZ1-{n:04d}") for n in range(20)]
    barrier = threading.Barrier(8)
    statuses: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            r = submit(token, batch)
            assert r.status_code == 200, r.content
            statuses.extend(x["status"] for x in r.json()["results"])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert statuses.count("created") == 20 and statuses.count("duplicate") == 7 * 20
    assert Request.objects.count() == 20 and RequestEvent.objects.count() == 20


def test_a_purged_requests_code_is_free_again_and_the_page_shows_the_newest(kiosk):
    k, token = kiosk
    old = item(receipt="WJZ1-0427")
    submit(token, [old])
    Request.objects.filter(uuid=old["uuid"]).update(state="resolved", personal_data_purged_at="2026-11-28T00:00:00Z",
                                                    contact_name="", room="")
    new = item(receipt="WJZ1-0427", category="shopping")
    res = submit(token, [new]).json()["results"][0]
    assert (res["status"], res["receipt"]) == ("created", "WJZ1-0427")   # not renumbered
    page = Client().get("/r/WJZ1-0427").content.decode()
    assert "代买物品" in page and "社区已收到" in page


def test_a_post_whose_codes_are_all_held_rejects_with_the_reason_and_loses_nothing(kiosk):
    k, token = kiosk
    from django.utils import timezone

    now = timezone.now()
    kinds.fast_insert(Request, [{"uuid": uuid.uuid4(), "receipt": protocol.receipt("WJZ1", n), "post_id": k.post_id,
                                 "category": "message", "content_hash": "x", "kiosk_created_at": now,
                                 "received_at": now, "updated_at": now} for n in range(10_000)])
    it = item(receipt="WJZ1-0001")
    res = submit(token, [it]).json()["results"][0]
    assert res["status"] == "rejected" and "10000" in res["reason"] and res["uuid"] == it["uuid"]
    assert Request.objects.count() == 10_000


def test_malformed_items_are_rejected_one_by_one_not_a_server_error(kiosk):
    _, token = kiosk
    good = item(receipt="WJZ1-0005")
    r = submit(token, [{"uuid": 5, "kind": "request"}, "just a string", None, {"kind": 7}, good])
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["rejected"] * 4 + ["created"]
    assert res[0]["uuid"] == "5" and "uuid" in res[0]["fields"]
