"""Faults of the outbox file itself (issue 10, points 1, 4, 5; issue 12: a versioned schema), replayed on
real SQLite files, the real `kiosk` CLI, the real `community-server serve` and a real 2 MB tmpfs."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync import protocol
from sync.outbox import Outbox, OutboxFull
from sync.outbox_schema import VERSION, NewerSchema
from tests.sync.realserver import running

N = 213   # the size of the outbox in the report


def fields(i: int = 0, **kw) -> dict:
    return {"category": "shopping", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
            "name": f"居民{i}", "room": "3-301", "text": "买米" * 10, **kw}


def build(path: Path, n: int = N) -> dict[str, tuple[str, dict]]:
    """An outbox of n pending requests, folded into the main file. -> uuid: (receipt, payload)."""
    ob = Outbox(path, "WJZ1")
    made = {}
    for i in range(n):
        uid, code = ob.add_request(fields(i))
        made[uid] = (code, ob.personal_data(uid))
    ob.checkpoint()
    ob.close()
    return made


def leaf_cells(path: Path) -> dict[int, int]:
    """page number -> rows, for each leaf page of the items table, as SQLite itself counts them."""
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT pageno, ncell FROM dbstat WHERE name='items' AND pagetype='leaf'"))
    finally:
        db.close()


def kiosk(cfg: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env={**os.environ, "KIOSK_CONFIG": str(cfg)},
                          capture_output=True, text=True, timeout=300)


def config(tmp: Path, url: str = "http://127.0.0.1:9", token: str = "") -> Path:
    cfg = tmp / "k.toml"
    cfg.write_text(f'[server]\nurl = "{url}"\ntoken = "{token}"\n[kiosk]\ndata_dir = "{tmp / "data"}"\n',
                   encoding="utf-8")
    return cfg


# -- 1. one unreadable row never blocks the queue ------------------------------------------------------

def test_unreadable_rows_are_set_aside_and_the_sync_goes_on(tmp_path):
    made = build(tmp_path / "data" / "outbox.sqlite3")
    cut, bad_utf8 = list(made)[50], list(made)[100]
    db = sqlite3.connect(tmp_path / "data" / "outbox.sqlite3")   # damage that quick_check does not see
    db.execute("UPDATE items SET payload = substr(payload, 1, 40) WHERE uuid=?", (cut,))
    db.execute("UPDATE items SET payload = CAST(X'7b226b696e64223a22ff72657175657374227d' AS TEXT) WHERE uuid=?",
               (bad_utf8,))
    db.commit()
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    db.close()
    with running(tmp_path / "srv") as srv:
        cfg = config(tmp_path, srv.url, srv.token)
        r = kiosk(cfg, "sync", "--once", "--json")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert (out["sent"], out["pending"], out["set_aside_reported"], out["error"]) == (N - 2, 0, 2, "")
        # the set-aside rows reach the cadre as kiosk-reported requests (server.api.kinds.handle_set_aside)
        assert {row["uuid"]: row["channel"] for row in srv.stored()} == {
            u: "kiosk" if u in (cut, bad_utf8) else "touch" for u in made}
        q = kiosk(cfg, "queue", "--json")
    assert q.returncode == 0, q.stderr
    queue = json.loads(q.stdout)
    assert (queue["pending"], queue["sent"], queue["unreadable"]) == (0, N - 2, 2)
    aside = {r["uuid"]: r for r in queue["set_aside_items"]}
    assert set(aside) == {cut, bad_utf8}
    for uid, why in ((cut, "内容不完整"), (bad_utf8, "文字编码无效")):
        r = aside[uid]
        assert (r["receipt"], r["category"], r["kind"], r["reported"]) == (made[uid][0], "shopping", "request", True)
        assert why in r["reason"] and "驻守干部" in r["reason"]
        assert time.strptime(r["set_aside_at"][:19], "%Y-%m-%dT%H:%M:%S")
    text = kiosk(cfg, "queue").stdout
    assert f"无法读取 {made[cut][0]}" in text and "内容不完整" in text
    st = json.loads(kiosk(cfg, "status", made[cut][0], "--json").stdout)
    assert st["sync"] == "unreadable" and "损坏" in st["state_label"]
    # the contract with the reporting side (sync/client.py): reported once the server took them
    ob = Outbox(tmp_path / "data" / "outbox.sqlite3", "WJZ1")
    assert {r["uuid"]: r["reported"] for r in ob.set_aside()} == {cut: True, bad_utf8: True}
    ob.close()


# -- 4. a damaged outbox file --------------------------------------------------------------------------

def test_truncated_to_half_salvages_every_intact_leaf_page_and_lists_the_rest(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    made = build(path)
    leaves, size = leaf_cells(path), path.stat().st_size
    os.truncate(path, size // 2)
    intact = sum(n for page, n in leaves.items() if page * 4096 <= size // 2)
    assert 0 < intact < N
    ob = Outbox(path, "WJZ1")
    assert ob.recovered_from is not None and ob.recovered_from.stat().st_size == size // 2   # the old file kept
    saved = {i["uuid"] for i in ob.items(1000) if i["sync"] == "pending"}
    assert len(saved) == intact                       # every row of every intact leaf page, none invented
    assert all(ob.personal_data(u) == made[u][1] for u in saved)
    lost = {r["uuid"]: r["receipt"] for r in ob.set_aside()}
    assert len(lost) == N - intact and all(made[u][0] == code for u, code in lost.items())
    assert set(lost) | saved == set(made)             # every code given out is accounted for
    damage = ob.counts()["damage"]
    assert f"找回 {intact} 条" in damage and f"另有 {N - intact} 条" in damage
    assert {i["uuid"] for i in ob.due(1000)} == saved
    ob.close()


def test_a_garbage_page_costs_exactly_its_own_rows(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    made = build(path)
    leaves = leaf_cells(path)
    page = sorted(leaves)[len(leaves) // 2]
    junk = bytearray(random.Random(7).randbytes(4096))
    junk[0] = 0xFF                                     # not a leaf page any more
    with open(path, "r+b") as f:
        f.seek((page - 1) * 4096)
        f.write(junk)
    ob = Outbox(path, "WJZ1")
    saved = {i["uuid"] for i in ob.items(1000) if i["sync"] == "pending"}
    assert len(saved) == N - leaves[page] and len(ob.set_aside()) == leaves[page]
    assert all(ob.personal_data(u) == made[u][1] for u in saved)
    ob.close()


def test_a_zero_byte_outbox_is_kept_aside_and_shown_as_an_error(tmp_path):
    cfg = config(tmp_path)
    path = tmp_path / "data" / "outbox.sqlite3"
    made = build(path)
    os.truncate(path, 0)
    r = kiosk(cfg, "queue", "--json")
    assert r.returncode == 1
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kiosk: error: 发送队列文件损坏（文件是空的）"), r.stderr
    q = json.loads(r.stdout)
    assert q["unreadable"] == N and {i["uuid"]: i["receipt"] for i in q["set_aside_items"]} == \
        {u: code for u, (code, _) in made.items()}
    assert [p for p in path.parent.iterdir() if p.name.startswith("outbox.sqlite3.corrupt-")
            and p.stat().st_size == 0]                 # the empty file is kept, not replaced
    assert kiosk(cfg, "queue").returncode == 1         # the error stays until someone has read it
    assert kiosk(cfg, "queue", "--clear-damage").returncode == 0
    assert kiosk(cfg, "queue").returncode == 0
    new = json.loads(kiosk(cfg, "submit", "--category", "shopping", "--room", "1-101", "--json").stdout)
    assert new["receipt"] not in {code for code, _ in made.values()}   # no code handed out twice


def test_a_lost_outbox_lists_only_the_codes_the_server_never_confirmed(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    made = build(path)
    ob = Outbox(path, "WJZ1")
    confirmed = list(made)[:100]
    ob.record_results([{"uuid": u, "status": protocol.CREATED, "receipt": made[u][0]} for u in confirmed])
    ob.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    ob = Outbox(path, "WJZ1")
    assert {r["uuid"] for r in ob.set_aside()} == set(made) - set(confirmed)
    assert "文件不见了" in ob.counts()["damage"]
    ob.close()


def test_the_journal_survives_a_torn_last_line(tmp_path):
    ob = Outbox(tmp_path / "outbox.sqlite3", "WJZ1")
    a = ob.add_request(fields())
    with open(ob.journal.path, "ab") as f:
        f.write(b'{"uuid":"torn-by-a-power-c')     # a crash in the middle of an append
    b = ob.add_request(fields())
    assert [(e["uuid"], e["receipt"]) for e in ob.journal.unconfirmed()] == [a, b]
    assert "张" not in ob.journal.path.read_text(encoding="utf-8") and "居民" not in ob.journal.path.read_text()
    ob.close()


def test_a_long_journal_keeps_only_the_unconfirmed_codes_and_still_finds_a_lost_outbox(tmp_path, monkeypatch):
    monkeypatch.setattr("sync.journal.COMPACT_BYTES", 4096)   # ~30 requests instead of ~7,000
    path = tmp_path / "outbox.sqlite3"
    made = build(path, n=60)
    ob = Outbox(path, "WJZ1")
    assert ob.journal.too_long()
    confirmed = list(made)[:50]
    ob.record_results([{"uuid": u, "status": protocol.CREATED, "receipt": made[u][0]} for u in confirmed])
    assert ob.journal.path.stat().st_size < 4096 and not ob.journal.path.with_suffix(".receipts.tmp").exists()
    assert [e["uuid"] for e in ob.journal.unconfirmed()] == list(made)[50:]
    assert ob.journal.has_entries()   # the first line says when it was compacted
    ob.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    ob = Outbox(path, "WJZ1")   # lost after compaction: the ten unconfirmed codes are still listed
    assert {r["uuid"]: r["receipt"] for r in ob.set_aside()} == {u: made[u][0] for u in list(made)[50:]}
    ob.close()


def test_a_reported_set_aside_row_forgets_its_personal_data_after_thirty_days(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    made = build(path, n=3)
    cut = list(made)[1]
    db = sqlite3.connect(path)
    db.execute("UPDATE items SET payload = substr(payload, 1, 60) WHERE uuid=?", (cut,))
    db.commit()
    db.close()
    ob = Outbox(path, "WJZ1")
    ob.due(10)
    assert [r["uuid"] for r in ob.set_aside()] == [cut]
    raw = lambda: ob._db.execute("SELECT payload FROM items WHERE uuid=?", (cut,)).fetchone()[0]  # noqa: E731
    assert raw()
    later = time.time() + 31 * 86400
    assert ob.forget_set_aside(now=later) == 0          # not yet reported: the cadre does not know of it
    ob.mark_set_aside_reported([cut])
    assert ob.forget_set_aside() == 0                   # reported today: kept for a technician
    assert ob.forget_set_aside(now=later) == 1 and raw() is None
    assert ob.set_aside()[0]["receipt"] == made[cut][0]   # the code, category and reason stay
    ob.close()


# -- 12.2: a versioned schema --------------------------------------------------------------------------

SCHEMA_V0 = """
CREATE TABLE IF NOT EXISTS items (
    uuid TEXT PRIMARY KEY, kind TEXT NOT NULL, receipt TEXT UNIQUE, issued_receipt TEXT, category TEXT,
    payload TEXT, created_at TEXT NOT NULL, created_ts REAL NOT NULL, sync TEXT NOT NULL DEFAULT 'pending',
    state TEXT NOT NULL DEFAULT 'queued', public_note TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS items_issued ON items(issued_receipt);
CREATE INDEX IF NOT EXISTS items_due ON items(sync, next_attempt);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_an_outbox_of_the_first_schema_is_upgraded_without_loss(tmp_path):
    """A file as the kiosk wrote it before versioning (user_version 0): rows in every sync state."""
    path = tmp_path / "outbox.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA_V0)
    rows = []
    for n, sync in enumerate(("pending", "sent", "rejected")):
        uid, code = f"00000000-0000-4000-8000-00000000000{n}", protocol.receipt("WJZ1", n)
        payload = None if sync == "sent" else json.dumps({"kind": "request", "uuid": uid, "receipt": code,
                                                          **fields(n)}, ensure_ascii=False)
        rows.append((uid, "request", code, code, "shopping", payload, "2026-11-28T09:00:00+08:00", 1.0, sync,
                     "x", "2026-11-28T09:00:00+08:00", "因为" if sync == "rejected" else ""))
    db.executemany("INSERT INTO items (uuid, kind, receipt, issued_receipt, category, payload, created_at, "
                   "created_ts, sync, public_note, updated_at, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.execute("INSERT INTO meta VALUES ('cursor', '42')")
    db.commit()
    before = db.execute("SELECT * FROM items ORDER BY rowid").fetchall()
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()
    ob = Outbox(path, "WJZ1")
    assert ob.recovered_from is None and ob.counts()["damage"] == ""
    assert ob._db.execute("PRAGMA user_version").fetchone()[0] == VERSION
    after = [tuple(r)[:16] for r in ob._db.execute("SELECT * FROM items ORDER BY rowid")]
    assert after == [tuple(r) for r in before] and ob.cursor == 42
    assert [i["uuid"] for i in ob.due(10)] == [rows[0][0]] and [r["uuid"] for r in ob.rejected()] == [rows[2][0]]
    assert ob.set_aside() == []
    ob.add_request(fields())
    ob.close()
    assert Outbox(path, "WJZ1").counts()["pending"] == 2   # opening again migrates nothing twice


def test_a_fresh_outbox_is_at_the_latest_version_and_a_newer_file_is_left_alone(tmp_path):
    ob = Outbox(tmp_path / "outbox.sqlite3")
    assert ob._db.execute("PRAGMA user_version").fetchone()[0] == VERSION
    ob._db.execute(f"PRAGMA user_version={VERSION + 1}")
    ob.close()
    data = (tmp_path / "outbox.sqlite3").read_bytes()
    with pytest.raises(NewerSchema, match="升级终端软件"):
        Outbox(tmp_path / "outbox.sqlite3")
    assert (tmp_path / "outbox.sqlite3").read_bytes() == data
    assert not list(tmp_path.glob("*.corrupt-*"))


# -- 5. a full disk --------------------------------------------------------------------------------------

def fill(disk: Path) -> Path:
    """Take every free byte of the file system."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_acknowledgements_and_purges_land_on_a_full_disk(tmpfs):
    small_disk = tmpfs("2m")
    ob = Outbox(small_disk / "outbox.sqlite3", "WJZ1", reserve_bytes=256 * 1024)
    made = [ob.add_request(fields(i, text="米" * 300)) for i in range(30)]
    ob.checkpoint()
    assert ob.reserve.present
    filler = fill(small_disk)
    with pytest.raises(OutboxFull):                    # the disk is really full: new requests are refused
        ob.add_request(fields())
    n = ob.record_results([{"uuid": u, "status": protocol.CREATED, "receipt": c} for u, c in made])
    assert n["sent"] == 30 and ob.counts()["pending"] == 0
    assert all(ob.personal_data(u) is None for u, _ in made)
    assert not ob.reserve.present                      # it gave its room to the acknowledgements
    with pytest.raises(OutboxFull):                    # and is not handed to new requests
        ob.add_request(fields())
    ob.checkpoint()                                    # still full: folding the WAL in waits, no error
    assert ob.counts()["sent"] == 30 and ob.status(made[0][1])["state"] == "received"
    filler.unlink()                                    # space comes back
    ob.checkpoint()
    assert ob.reserve.present
    uid, code = ob.add_request(fields())
    assert ob.status(code)["uuid"] == uid
    ob.close()


def test_rows_only_in_the_wal_come_back_but_never_an_uncommitted_one(tmp_path):
    """A power cut copies the files as they are: committed rows still only in the WAL are salvaged; rows of
    a transaction that never committed (its add never returned, no receipt shown) are not."""
    live, cut = tmp_path / "live", tmp_path / "cut"
    ob = Outbox(live / "outbox.sqlite3", "WJZ1")
    made = {ob.add_request(fields(i))[0] for i in range(20)}
    spill = sqlite3.connect(live / "outbox.sqlite3", isolation_level=None)
    spill.execute("PRAGMA cache_size=1")           # the open transaction's pages spill into the WAL
    spill.execute("BEGIN IMMEDIATE")
    for i in range(300):
        spill.execute("INSERT INTO items (uuid, kind, created_at, created_ts, updated_at, payload) VALUES "
                      "(?, 'request', '', 0, '', ?)", (f"00000000-0000-4000-8000-{i:012d}", "x" * 500))
    cut.mkdir()
    for f in live.iterdir():
        if not f.name.endswith(".reserve"):
            (cut / f.name).write_bytes(f.read_bytes())
    spill.execute("ROLLBACK")
    spill.close()
    ob.close()
    wal = (cut / "outbox.sqlite3-wal").read_bytes()
    assert b"x" * 500 in wal                       # the uncommitted rows are really in the copied WAL
    os.truncate(cut / "outbox.sqlite3", 0)         # and the main file is gone
    back = Outbox(cut / "outbox.sqlite3", "WJZ1")
    assert {i["uuid"] for i in back.items(1000) if i["sync"] == "pending"} == made
    assert back.set_aside() == [] and "找回 20 条" in back.counts()["damage"]
    back.close()
