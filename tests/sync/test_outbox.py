"""The kiosk outbox on real SQLite files: durability, receipts, acknowledgement, purge, recovery."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync import protocol
from sync.outbox import MAX_BACKOFF_S, Outbox, OutboxFull

ROOT = Path(__file__).resolve().parents[2]


def fields(**kw):
    return {"category": "gas_recharge", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
            "name": "张奶奶", "room": "3-301", "phone": "13800001111", "text": "燃气卡没钱了", **kw}


@pytest.fixture
def box(tmp_path):
    ob = Outbox(tmp_path / "outbox.sqlite3", "WJZ1")
    yield ob
    ob.close()


def test_settings_are_wal_and_full_sync(box):
    assert box._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2   # FULL


def test_request_is_durable_for_another_process_before_add_returns(box):
    uid, receipt = box.add_request(fields())
    assert protocol.RECEIPT_RE.match(receipt) and receipt.startswith("WJZ1-")
    # a different process (another connection, no shared cache) sees the committed row
    out = subprocess.run([sys.executable, "-c", f"import sqlite3; print(sqlite3.connect({str(box.path)!r})"
                          f".execute('SELECT receipt, sync FROM items WHERE uuid=?', ({uid!r},)).fetchone())"],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == str((receipt, "pending"))
    item = box.due(10)[0]
    assert item["uuid"] == uid and item["receipt"] == receipt and item["kind"] == "request"
    assert protocol.validate_request(item) == {}


def test_receipts_are_unique_in_the_outbox_even_when_nearly_full(box):
    # Fill 9,990 of the 10,000 codes directly, then let the picker find the free ones.
    now = time.time()
    box._db.execute("BEGIN")
    for n in range(9_990):
        box._db.execute("INSERT INTO items (uuid, kind, receipt, issued_receipt, created_at, created_ts, updated_at, "
                        "sync) VALUES (?, 'request', ?, ?, '', ?, '', 'sent')",
                        (f"u{n}", protocol.receipt("WJZ1", n), protocol.receipt("WJZ1", n), now))
    box._db.execute("COMMIT")
    got = {box.add_request(fields())[1] for _ in range(10)}
    assert got == {protocol.receipt("WJZ1", n) for n in range(9_990, 10_000)}
    with pytest.raises(OutboxFull):
        box.add_request(fields())
    # Requests closed long ago give their codes back (oldest first); open ones never do.
    box._db.execute("UPDATE items SET state='resolved' WHERE uuid IN ('u3', 'u4')")
    assert box.add_request(fields())[1] in {protocol.receipt("WJZ1", 3), protocol.receipt("WJZ1", 4)}
    assert box.counts()["sent"] == 9_990 - 2


def test_only_explicit_ack_purges_personal_data_and_keeps_status(box):
    uid, receipt = box.add_request(fields())
    other, _ = box.add_request(fields(name="李爷爷"))
    n = box.record_results([{"uuid": uid, "status": "created", "receipt": receipt},
                            {"uuid": other, "status": "maybe"}])           # not an acknowledgement
    assert n == {"sent": 1, "duplicates": 0, "rejected": 0}
    assert box.personal_data(uid) is None
    assert box.personal_data(other)["name"] == "李爷爷"
    st = box.status(receipt)
    assert (st["category"], st["state"], st["state_label"], st["sync"]) == ("gas_recharge", "received", "社区已收到", "sent")
    box.checkpoint()
    assert "张奶奶".encode() not in box.path.read_bytes()       # overwritten on disk, not just unlinked
    assert "李爷爷".encode() in box.path.read_bytes()           # the unacknowledged one is still there
    row = box._db.execute("SELECT * FROM items WHERE uuid=?", (uid,)).fetchone()
    assert row["payload"] is None and "张奶奶" not in json.dumps(dict(row), ensure_ascii=False)
    assert box.counts()["pending"] == 1 and box.counts()["sent"] == 1


def test_server_renumbered_receipt_is_found_by_both_codes(box):
    uid, issued = box.add_request(fields())
    box.record_results([{"uuid": uid, "status": "created", "receipt": "WJZ1-9999" if issued != "WJZ1-9999" else "WJZ1-0000"}])
    st = box.status(issued)
    assert st["uuid"] == uid and st["receipt"] == issued and st["server_receipt"] != issued
    assert box.status(st["server_receipt"])["uuid"] == uid


def test_rejected_and_conflict_keep_the_reason(box):
    a, ra = box.add_request(fields())
    b, rb = box.add_request(fields())
    n = box.record_results([{"uuid": a, "status": "rejected", "reason": "unknown category"},
                            {"uuid": b, "status": "conflict", "reason": "same uuid, different content"}])
    assert n["rejected"] == 2
    assert {r["reason"] for r in box.rejected()} == {"unknown category", "same uuid, different content"}
    assert box.status(ra)["state_label"].startswith("未能发送")
    assert box.due(10, force=True) == []
    assert box.counts()["rejected"] == 2


def test_backoff_grows_and_a_clock_jump_back_does_not_strand_items(box):
    uid, _ = box.add_request(fields())
    now = time.time()
    for _ in range(5):
        box.record_failure([uid], "连不上服务器")
    row = box._db.execute("SELECT attempts, next_attempt, last_error FROM items").fetchone()
    assert row["attempts"] == 5 and now + 15 < row["next_attempt"] <= now + 33 and row["last_error"] == "连不上服务器"
    assert box.due(10) == [] and box.due(10, force=True)[0]["uuid"] == uid
    assert box.due(10, now=row["next_attempt"] + 1)[0]["uuid"] == uid
    # The clock jumped back by a day: the stored next attempt is now absurdly far ahead -> due at once.
    assert box.due(10, now=now - 86_400)[0]["uuid"] == uid
    box.record_failure([uid], "HTTP 503", retry_after=120)
    assert box._db.execute("SELECT next_attempt FROM items").fetchone()[0] >= time.time() + 119
    assert box.counts()["last_error"] == "HTTP 503"
    assert 0 <= box.next_due_in() <= MAX_BACKOFF_S


def test_updates_change_state_and_cursor_atomically(box):
    uid, receipt = box.add_request(fields())
    box.record_results([{"uuid": uid, "status": "created", "receipt": receipt}])
    assert box.apply_updates([{"uuid": uid, "state": "accepted", "public_note": "明天上午上门", "at": "x"},
                              {"uuid": "not-ours", "state": "resolved"}], 42) == 1
    st = box.status(receipt)
    assert (st["state"], st["state_label"], st["public_note"]) == ("accepted", "已受理", "明天上午上门")
    assert box.cursor == 42


def test_generic_items_for_other_kinds(box):
    uid = box.enqueue("lesson_progress", {"lesson": "wechat_video", "step": 3})
    assert box.due(10)[0] == {"kind": "lesson_progress", "lesson": "wechat_video", "step": 3, "uuid": uid}
    with pytest.raises(ValueError):
        box.enqueue("teleport", {})


def test_disk_full_raises_and_queues_nothing(box):
    box.add_request(fields())
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count={pages}")   # SQLite's own "database or disk is full" path
    with pytest.raises(OutboxFull):
        for _ in range(200):
            box.add_request(fields(text="长" * 1500))
    box._db.execute("PRAGMA max_page_count=1073741823")
    count = box.counts()["pending"]
    box.add_request(fields())
    assert box.counts()["pending"] == count + 1


def test_corrupt_file_is_kept_aside_and_the_kiosk_goes_on(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    path.write_bytes(b"this is not a database, a power cut ate it" * 200)
    ob = Outbox(path, "WJZ1")
    assert ob.recovered_from is not None and ob.recovered_from.exists()
    assert "损坏" in ob.counts()["last_error"]
    uid, receipt = ob.add_request(fields())
    assert ob.status(receipt)["uuid"] == uid
    ob.close()


def test_a_damaged_page_costs_only_its_own_rows(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    ob = Outbox(path, "WJZ1")
    for _ in range(60):
        ob.add_request(fields(text="米" * 300))      # ~4 rows per 4 KiB page
    before = {i["uuid"]: ob.personal_data(i["uuid"]) for i in ob.items()}
    ob.checkpoint()
    ob.close()
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as f:                   # a torn write: one data page of garbage
        f.seek((pages - 3) * 4096)
        f.write(bytes(range(256)) * 16)
    ob2 = Outbox(path, "WJZ1")
    assert ob2.recovered_from is not None and ob2.recovered_from.exists()
    after = {i["uuid"]: ob2.personal_data(i["uuid"]) for i in ob2.items() if i["sync"] != "unreadable"}
    assert 52 <= len(after) < 60                   # only the damaged page's rows are gone
    assert len(ob2.set_aside()) == 60 - len(after)   # and the receipt journal lists them for the cadre
    assert all(before[u] == p for u, p in after.items())   # saved rows are whole, none invented
    assert f"找回 {len(after)} 条" in ob2.counts()["last_error"]
    ob2.close()


def test_kill_9_while_enqueueing_leaves_only_whole_items(tmp_path):
    """A process adding requests in a loop is killed with SIGKILL: every row is complete, none is lost
    after its add returned (the child prints each receipt only after add_request returned)."""
    path = tmp_path / "outbox.sqlite3"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from sync.outbox import Outbox;"
            f"ob = Outbox({str(path)!r}, 'WJZ1');\n"
            "while True:\n"
            "    u, r = ob.add_request({'category': 'shopping', 'channel': 'touch', 'created_at': "
            "'2026-11-28T09:00:00+08:00', 'room': '1-101'}); print(u, flush=True)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    printed = []
    for line in proc.stdout:
        printed.append(line.strip())
        if len(printed) >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    rows = sqlite3.connect(path).execute("SELECT uuid, payload FROM items").fetchall()
    stored = {u for u, _ in rows}
    assert set(printed) <= stored
    assert all(json.loads(p)["category"] == "shopping" for _, p in rows)


def test_rejected_items_can_be_requeued_with_the_same_uuid(box):
    uid, receipt = box.add_request(fields())
    box.record_results([{"uuid": uid, "status": "rejected", "reason": "unknown category"}])
    assert box.due(10, force=True) == []
    assert box.requeue_rejected() == 1
    item = box.due(10)[0]
    assert item["uuid"] == uid and item["receipt"] == receipt and box.rejected() == []
