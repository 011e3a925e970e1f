"""Issue 10.3 (batches sized in bytes, 413 halves the batch), 10.6 (`kiosk sync --json` counts every
acknowledgement of a round that fails partway) and the set-aside report of 10.1, against the real
`community-server serve` behind a loopback relay that records what passes and can refuse like a proxy."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from sync import protocol
from sync.client import SyncClient
from sync.outbox import Outbox
from tests.sync.realserver import running, serve_in_thread


class Relay:
    """Forwards to the real server. `limit`: bodies above it get a proxy's text/plain 413 (nginx's
    client_max_body_size); `cut_from`: from the n-th submit on, the connection is closed unanswered and
    nothing reaches the server. `seen`: (path, body bytes, status) of each call."""

    def __init__(self, upstream: str, limit: int | None = None, cut_from: int | None = None):
        self.seen: list[tuple[str, int, int]] = []
        outer, lock = self, threading.Lock()
        self.submits = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self, status, data, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    if self.path.startswith(protocol.SUBMIT_PATH):
                        outer.submits += 1
                    n = outer.submits
                if self.path.startswith(protocol.SUBMIT_PATH) and cut_from is not None and n >= cut_from:
                    outer.seen.append((self.path, len(body), 0))
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if limit is not None and len(body) > limit:
                    outer.seen.append((self.path, len(body), 413))
                    return self._answer(413, b"413 Request Entity Too Large", "text/plain")
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                r = requests.request(method, upstream + self.path, data=body or None, headers=headers, timeout=60)
                outer.seen.append((self.path, len(body), r.status_code))
                self._answer(r.status_code, r.content, r.headers.get("Content-Type", "text/plain"))

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.httpd, self.url = serve_in_thread(Handler)

    def submits_seen(self):
        return [(size, status) for path, size, status in self.seen if path.startswith(protocol.SUBMIT_PATH)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    with running(tmp_path_factory.mktemp("batches-srv")) as s:
        yield s


def widest() -> dict:
    """A request with every field at its maximum (issue 10.3: 100 of these made a 2.56 MB body)."""
    f = protocol.REQUEST_FIELDS
    return {"category": "gas_recharge", "channel": "voice", "created_at": "2026-11-28T09:00:00+08:00",
            "name": "张" * f["name"], "building": "楼" * f["building"], "unit": "单" * f["unit"],
            "room": "室" * f["room"], "phone": "1" * f["phone"], "text": "请" * f["text"]}


def stored_uuids(srv) -> set[str]:
    return {r["uuid"] for r in srv.stored()}


def test_batches_are_sized_in_bytes_under_the_protocol_limit(srv, tmp_path):
    box = Outbox(tmp_path / "o.sqlite3", "WJZ1")
    uids = {box.add_request(widest())[0] for _ in range(200)}
    relay = Relay(srv.url)
    try:
        out = SyncClient(box, relay.url, srv.token, batch_size=200).run_once()
    finally:
        relay.close()
    assert (out["sent"], out["pending"], out["error"]) == (200, 0, "")
    assert uids <= stored_uuids(srv)
    sizes = relay.submits_seen()
    assert len(sizes) >= 2 and all(status == 200 for _, status in sizes), sizes   # never a 413 to recover from
    assert all(size <= protocol.MAX_BODY_BYTES for size, _ in sizes), sizes
    box.close()


def test_a_413_halves_the_batch_and_an_item_over_the_limit_is_rejected_locally(srv, tmp_path):
    box = Outbox(tmp_path / "o.sqlite3", "WJZ1")
    uids = {box.add_request(widest())[0] for _ in range(120)}
    huge = box.enqueue("lesson_progress", {"lesson_id": "scan_pay", "outcome": "finished",
                                           "at": "2026-11-28T09:00:00+08:00", "learner": None, "session": None,
                                           "note": "x" * (protocol.MAX_BODY_BYTES + 1)})
    relay = Relay(srv.url, limit=200_000)   # a reverse proxy with a smaller limit than ours
    try:
        out = SyncClient(box, relay.url, srv.token, batch_size=200).run_once()
    finally:
        relay.close()
    assert (out["sent"], out["rejected"], out["pending"], out["error"]) == (120, 1, 0, "")
    assert uids <= stored_uuids(srv)
    sizes = relay.submits_seen()
    assert any(status == 413 for _, status in sizes) and all(
        size <= 200_000 for size, status in sizes if status == 200), sizes
    assert all(size < protocol.MAX_BODY_BYTES for size, _ in sizes)      # the huge item never went out
    rejected = {r["uuid"]: r["reason"] for r in box.rejected()}
    assert "条目太大" in rejected[huge]
    box.close()


def kiosk(cfg, *args):
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_kiosk_sync_json_counts_every_acknowledgement_of_a_round_that_fails(srv, tmp_path):
    data = tmp_path / "kiosk"
    box = Outbox(data / "outbox.sqlite3", "WJZ1")
    for n in range(700):
        box.add_request({"category": "shopping", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
                         "name": f"居民{n}", "room": str(n)})
    box.close()
    relay = Relay(srv.url, cut_from=7)   # 6 batches of 100 reach the server, the 7th is cut
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[server]\nurl = "{relay.url}"\ntoken = "{srv.token}"\n[kiosk]\ndata_dir = "{data}"\n',
                   encoding="utf-8")
    try:
        r = kiosk(cfg, "sync", "--once", "--json")
    finally:
        relay.close()
    assert r.returncode == 1 and r.stderr.startswith("kiosk: error: ")
    out = json.loads(r.stdout)
    delivered = sum(1 for _, status in relay.submits_seen() if status == 200) * 100
    assert delivered == 600
    assert (out["sent"], out["pending"]) == (600, 100), out      # before: 0 sent reported for 600 delivered
    assert out["error"]


def test_set_aside_rows_reach_the_cadre_once(srv, tmp_path):
    """Rows the real outbox cannot read any more (payload not UTF-8, JSON cut, receipt damaged) are set aside
    by it and reported by the client: a kiosk-channel request in the post's inbox, once per uuid."""
    path = tmp_path / "o.sqlite3"
    box = Outbox(path, "WJZ1")
    made = [box.add_request({"category": c, "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
                             "room": str(n)}) for n, c in enumerate(("gas_recharge", "shopping", "home_repair",
                                                                     "sanitation"))]
    (bad_utf8, code1), (fine, _), (cut, code3), (bad_code, _) = made
    # `cut` reached the server before, but its acknowledgement was lost: the server already holds it
    first = requests.post(srv.url + protocol.SUBMIT_PATH, headers={"Authorization": f"Bearer {srv.token}"},
                          json={"protocol": 1, "items": [box.personal_data(cut)]}, timeout=30)
    assert first.json()["results"][0]["status"] == "created"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("UPDATE items SET payload=CAST(x'7b22ff' AS TEXT) WHERE uuid=?", (bad_utf8,))
    raw.execute("UPDATE items SET payload=substr(payload, 1, 20) WHERE uuid IN (?, ?)", (cut, bad_code))
    raw.execute("UPDATE items SET issued_receipt=CAST(x'ff00' AS TEXT), receipt=NULL WHERE uuid=?", (bad_code,))
    raw.close()

    out = SyncClient(box, srv.url, srv.token).run_once()
    assert (out["sent"], out["set_aside_reported"], out["error"]) == (1, 3, ""), out
    assert all(r["reported"] for r in box.set_aside())
    assert SyncClient(box, srv.url, srv.token).run_once()["set_aside_reported"] == 0   # reported once

    db = sqlite3.connect(srv.data / "community.sqlite3")
    got = {u: (c, ch, ir, t) for u, c, ch, ir, t in db.execute(
        "SELECT uuid, category, channel, issued_receipt, text FROM core_request")}
    row = lambda uid: got[uid.replace("-", "")]  # noqa: E731   (SQLite stores a UUIDField as 32 hex digits)
    assert row(bad_utf8)[:3] == ("gas_recharge", "kiosk", code1) and "请按回执码联系居民" in row(bad_utf8)[3]
    assert row(bad_code)[:3] == ("sanitation", "kiosk", "") and "终端记录损坏" in row(bad_code)[3]
    assert row(cut)[:3] == ("home_repair", "touch", code3)   # delivered before it broke: untouched
    assert row(fine)[1] == "touch"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("UPDATE items SET reported=0")   # reported again (say the acknowledgement was lost)
    raw.close()
    assert SyncClient(box, srv.url, srv.token).run_once()["set_aside_reported"] == 3   # duplicates
    assert db.execute("SELECT COUNT(*) FROM core_request WHERE channel='kiosk'").fetchone()[0] == 2
    db.close()
    box.close()


def test_a_locked_database_answers_503_for_the_batch_and_the_kiosk_keeps_every_item(srv, tmp_path):
    """Before: an HTML 500. Now the envelope, 503 and Retry-After: nothing was stored, the kiosk retries later."""
    box = Outbox(tmp_path / "o.sqlite3", "WJZ1")
    uids = [box.add_request(widest())[0] for _ in range(3)]
    client = SyncClient(box, srv.url, srv.token, timeout=60)
    client.heartbeat()   # the token's last_seen is fresh: authenticating writes nothing now
    db = sqlite3.connect(srv.data / "community.sqlite3", isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")   # a writer that holds the database past the server's 20 s busy timeout
    try:
        r = requests.post(srv.url + protocol.SUBMIT_PATH, data=protocol.submit_body(
            [protocol.encode(box.personal_data(u)) for u in uids]), timeout=60, headers={
            "Authorization": f"Bearer {srv.token}", "Content-Type": "application/json"})
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert r.json()["protocol"] == 1 and r.json()["error"] == "unavailable"
    assert not stored_uuids(srv) & set(uids)
    out = client.run_once()        # the lock is gone: the same items go through, each once
    assert (out["sent"], out["pending"], out["error"]) == (3, 0, "")
    box.close()
