"""The sync client's failure handling over real loopback HTTP (tests/sync/faults.py answers like a broken
network or server would). Only an explicit per-item acknowledgement may end a retry."""

from __future__ import annotations

import time

import pytest

from sync.client import SyncClient, SyncWorker
from sync.outbox import Outbox
from tests.conftest import free_port
from tests.sync.faults import FaultServer, ack_all, slow


def fields(**kw):
    return {"category": "gas_recharge", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
            "name": "张奶奶", "room": "3-301", **kw}


@pytest.fixture
def box(tmp_path):
    ob = Outbox(tmp_path / "outbox.sqlite3", "WJZ1")
    yield ob
    ob.close()


@pytest.fixture
def fault():
    srv = FaultServer()
    yield srv
    srv.close()


def client(box, url, **kw):
    return SyncClient(box, url, "k_token", timeout=kw.pop("timeout", 5), **kw)


def pending_after(box, url, n=3, **kw):
    for _ in range(n):
        box.add_request(fields())
    out = client(box, url, **kw).run_once()
    assert out["pending"] == n and out["sent"] == 0
    assert all(i["sync"] == "pending" and i["attempts"] == 1 for i in box.items())
    assert all(box.personal_data(i["uuid"]) for i in box.items())   # nothing purged
    return out


def test_acknowledged_items_are_sent_and_purged(box, fault):
    fault.script = lambda path, body: (ack_all(body["items"]) + ({},)) if body and "items" in body else \
        (200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {})
    uid, receipt = box.add_request(fields())
    out = client(box, fault.url).run_once()
    assert (out["sent"], out["pending"], out["error"]) == (1, 0, "")
    assert box.personal_data(uid) is None and box.status(receipt)["state"] == "received"
    assert fault.auth[0] == "Bearer k_token"
    assert box.counts()["last_sync_at"]


def test_captive_portal_200_html_is_a_failure(box, fault):
    fault.script = lambda path, body: (200, b"<html><body>Welcome to FreeWiFi, please log in</body></html>", {})
    out = pending_after(box, fault.url)
    assert "认证页面" in out["error"]


def test_server_error_and_retry_after_are_honoured(box, fault):
    fault.script = lambda path, body: (503, {"detail": "busy"}, {"Retry-After": "300"})
    out = pending_after(box, fault.url)
    assert "503" in out["error"]
    nxt = box._db.execute("SELECT MIN(next_attempt) FROM items").fetchone()[0]
    assert nxt >= time.time() + 290
    assert box.due(10) == []


def test_garbage_json_and_wrong_protocol_are_failures(box, fault):
    fault.script = lambda path, body: (200, b"{\"results\": [", {"Content-Type": "application/json"})
    assert "JSON" in pending_after(box, fault.url)["error"]


def test_answer_without_protocol_version_is_a_failure(box, fault):
    fault.script = lambda path, body: (200, {"results": [{"uuid": i["uuid"], "status": "created"}
                                                         for i in body["items"]]}, {})
    assert "协议" in pending_after(box, fault.url)["error"]


def test_slow_server_times_out_and_keeps_items(box, fault):
    fault.script = slow(1.5)
    assert "超时" in pending_after(box, fault.url, timeout=0.3)["error"]


def test_server_down_keeps_items(box):
    assert "连不上" in pending_after(box, f"http://127.0.0.1:{free_port()}")["error"]


@pytest.mark.parametrize("status", [401, 403])
def test_bad_or_revoked_token_keeps_items_and_says_so(box, fault, status):
    fault.script = lambda path, body: (status, {"detail": "revoked"}, {})
    assert "令牌" in pending_after(box, fault.url)["error"]


def test_413_halves_the_batch_until_it_fits(box, fault):
    def script(path, body):
        if body and "items" in body:
            return (413, {"detail": "too big"}, {}) if len(body["items"]) > 3 else ack_all(body["items"]) + ({},)
        return 200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {}
    fault.script = script
    for _ in range(10):
        box.add_request(fields())
    out = client(box, fault.url, batch_size=16).run_once()
    assert out["sent"] == 10 and out["pending"] == 0
    assert [len(b) for b in fault.batches][:3] == [10, 5, 2]


def test_a_single_item_refused_with_422_is_rejected_with_the_reason(box, fault):
    bad_uid, _ = box.add_request(fields())
    good_uid, _ = box.add_request(fields())

    def script(path, body):
        if body and "items" in body:
            if any(i["uuid"] == bad_uid for i in body["items"]):
                return 422, {"protocol": 1, "error": "invalid", "detail": {"items.0.text": "bad"}}, {}
            return ack_all(body["items"]) + ({},)
        return 200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {}
    fault.script = script
    out = client(box, fault.url).run_once()
    assert (out["sent"], out["rejected"], out["pending"]) == (1, 1, 0)
    assert box.rejected()[0]["uuid"] == bad_uid and "422" in box.rejected()[0]["reason"]
    assert box.personal_data(bad_uid) is not None    # kept for the cadre to act on


def test_partial_and_unknown_results_leave_the_rest_pending(box, fault):
    uids = [box.add_request(fields())[0] for _ in range(4)]

    def script(path, body):
        if body and "items" in body:
            return 200, {"protocol": 1, "results": [
                {"uuid": uids[0], "status": "created"}, {"uuid": uids[1], "status": "duplicate"},
                {"uuid": uids[2], "status": "stored-probably"}, {"uuid": "someone-else", "status": "created"}]}, {}
        return 200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {}
    fault.script = script
    out = client(box, fault.url).run_once()
    assert (out["sent"], out["duplicates"], out["pending"]) == (1, 1, 2)
    assert {i["uuid"] for i in box.items() if i["sync"] == "pending"} == set(uids[2:])


def test_conflict_is_rejected_not_retried(box, fault):
    uid, _ = box.add_request(fields())
    fault.script = lambda path, body: (200, {"protocol": 1, "results": [
        {"uuid": uid, "status": "conflict", "reason": "same uuid, different content"}]}, {}) if body and "items" in body \
        else (200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {})
    out = client(box, fault.url).run_once()
    assert out["rejected"] == 1 and box.rejected()[0]["reason"] == "same uuid, different content"


def test_updates_are_pulled_page_by_page(box, fault):
    uid, receipt = box.add_request(fields())
    pages = {0: ([{"id": 5, "uuid": uid, "state": "received"}], 5, True),
             5: ([{"id": 9, "uuid": uid, "state": "accepted", "public_note": "明天上门"}], 9, False)}
    seen = []

    def script(path, body):
        if body and "items" in body:
            return ack_all(body["items"]) + ({},)
        if path.endswith("/updates"):
            after = int(fault.last_query.get("after", 0))
            seen.append(after)
            ev, cur, more = pages[after]
            return 200, {"protocol": 1, "events": ev, "cursor": cur, "more": more}, {}
        return 200, {"protocol": 1, "ok": True}, {}
    fault.script = script
    orig = fault.httpd.RequestHandlerClass.do_GET

    def do_get(handler):
        from urllib.parse import parse_qsl, urlsplit
        fault.last_query = dict(parse_qsl(urlsplit(handler.path).query))
        orig(handler)
    fault.httpd.RequestHandlerClass.do_GET = do_get
    out = client(box, fault.url).run_once()
    assert out["updates"] == 2 and seen == [0, 5]
    assert box.cursor == 9 and box.status(receipt)["public_note"] == "明天上门"


def test_background_worker_sends_after_a_kick_and_stops(box, fault):
    fault.script = lambda path, body: (ack_all(body["items"]) + ({},)) if body and "items" in body else \
        (200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {})
    worker = SyncWorker(client(box, fault.url), interval_s=3600)
    worker.start()
    try:
        box.add_request(fields())
        worker.kick()
        deadline = time.monotonic() + 30
        while box.counts()["sent"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert box.counts()["sent"] == 1
    finally:
        worker.stop()
    assert not worker._thread.is_alive()


def test_newer_server_protocol_or_foreign_422_keeps_items(box, fault):
    fault.script = lambda path, body: (422, {"protocol": 2, "error": "protocol", "detail": "protocol 1 not supported"}, {})
    assert "升级" in pending_after(box, fault.url, n=2)["error"]
    fault.script = lambda path, body: (400, b"<html>Bad Request</html>", {})   # not our server: retry, reject nothing
    out = client(box, fault.url).run_once()
    assert "不是社区服务器" in out["error"] and out["pending"] == 2 and box.rejected() == []


def test_items_in_backoff_go_as_soon_as_the_server_answers_again(box, fault):
    uid, _ = box.add_request(fields())
    fault.script = lambda path, body: (503, {"detail": "down"}, {})
    c = client(box, fault.url)
    assert c.run_once(force=False)["pending"] == 1
    assert box.due(10) == []                       # waiting out its backoff
    fault.script = lambda path, body: (ack_all(body["items"]) + ({},)) if body and "items" in body else \
        (200, {"protocol": 1, "events": [], "cursor": 0, "more": False, "ok": True}, {})
    out = c.run_once(force=False)                  # the worker's round: heartbeat answers -> send now
    assert (out["sent"], out["pending"]) == (1, 0) and box.personal_data(uid) is None
