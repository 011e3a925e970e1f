"""The kiosk's durable outbox: SQLite (WAL, synchronous=FULL), one row per item, nothing deleted unconfirmed.

An item is committed (fsync'd) before enqueue returns, so a receipt on screen always has a row behind it.
Only the server's explicit per-item acknowledgement moves an item from `pending` to `sent`; then its
personal data is purged and only receipt, category and state stay, to answer "how is my request going?".
Safe to use from the UI thread, the sync worker thread and `kiosk` commands in other processes at once.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sqlite3
import threading
import time
import uuid as uuidlib
from pathlib import Path

from sync import protocol

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 15 * 60

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    uuid TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    receipt TEXT UNIQUE,            -- current code (the server may renumber a clash)
    issued_receipt TEXT,            -- the code the resident was given; status questions find it too
    category TEXT,
    payload TEXT,                   -- JSON as sent; NULL once acknowledged (personal data purged)
    created_at TEXT NOT NULL,       -- kiosk-local ISO time
    created_ts REAL NOT NULL,
    sync TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | rejected
    state TEXT NOT NULL DEFAULT 'queued',   -- the request's life as last heard from the server
    public_note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''         -- the server's words when rejected
);
CREATE INDEX IF NOT EXISTS items_issued ON items(issued_receipt);
CREATE INDEX IF NOT EXISTS items_due ON items(sync, next_attempt);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class OutboxError(RuntimeError):
    pass


class OutboxFull(OutboxError):
    """The disk (or the receipt numbers of this post) ran out: nothing was queued."""


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Outbox:
    def __init__(self, path: str | Path, post_code: str = "WJZ1"):
        self.path = Path(path)
        self.post_code = post_code
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.recovered_from: Path | None = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            self._db = self._recover(exc)

    # -- opening and recovery --------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA secure_delete=ON")   # purged personal data is overwritten, not just unlinked
            ok = db.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {ok}")
            db.executescript(SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _recover(self, exc: Exception) -> sqlite3.Connection:
        """Keep the damaged file for the installer, start a fresh one, copy over every row still readable."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        log.error("outbox %s is damaged (%s); kept as %s, starting a new one", self.path, exc, aside)
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                os.replace(p, Path(str(aside) + suffix))
        db = self._open()
        saved = self._salvage(aside, db)
        self.recovered_from = aside
        self._set_meta(db, "last_error", f"发送队列文件损坏，已另存为 {aside.name}，找回 {saved} 条")
        return db

    @staticmethod
    def _salvage(aside: Path, db: sqlite3.Connection) -> int:
        """Copy every row still readable, one rowid at a time so a damaged page costs only its own rows."""
        cols = ", ".join(r[1] for r in db.execute("PRAGMA table_info(items)"))
        insert = f"INSERT OR IGNORE INTO items ({cols}) VALUES ({', '.join('?' * len(cols.split(', ')))})"
        saved = misses = rowid = 0
        try:
            old = sqlite3.connect(f"file:{aside}?mode=ro", uri=True)
            old.execute("SELECT 1 FROM items LIMIT 0")
        except sqlite3.DatabaseError as exc:
            log.error("outbox recovery: nothing readable (%s)", exc)
            return 0
        for meta in ("cursor",):   # the updates cursor, so status changes are not fetched from zero
            try:
                row = old.execute("SELECT value FROM meta WHERE key=?", (meta,)).fetchone()
                if row:
                    Outbox._set_meta(db, meta, row[0])
            except sqlite3.DatabaseError:
                pass
        db.execute("BEGIN")
        while misses < 5000:   # rowids are dense; stop well past the last one found
            rowid += 1
            try:
                row = old.execute(f"SELECT {cols} FROM items WHERE rowid=?", (rowid,)).fetchone()
            except sqlite3.DatabaseError:
                row = None
            if row is None:
                misses += 1
                continue
            misses = 0
            db.execute(insert, tuple(row))
            saved += 1
        db.execute("COMMIT")
        old.close()
        log.error("outbox recovery: %d rows saved", saved)
        return saved

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -----------------------------------------------------------------
    def _write(self, fn):
        """Run fn(db) in one IMMEDIATE transaction; a full disk becomes OutboxFull."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    out = fn(self._db)
                    self._db.execute("COMMIT")
                    return out
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if "full" in str(exc):
                    raise OutboxFull(str(exc)) from exc
                raise OutboxError(str(exc)) from exc
            except sqlite3.DatabaseError as exc:   # damaged under us: the next start moves the file aside
                if not isinstance(exc, sqlite3.IntegrityError):
                    log.error("outbox write failed: %s", exc)
                    raise OutboxError(str(exc)) from exc
                raise

    def _pick_receipt(self, db, post_code: str) -> str:
        used = lambda code: db.execute(  # noqa: E731
            "SELECT 1 FROM items WHERE receipt=? OR issued_receipt=?", (code, code)).fetchone()
        for _ in range(30):
            code = protocol.receipt(post_code, random.randrange(10_000))
            if not used(code):
                return code
        taken = {r[0] for r in db.execute("SELECT receipt FROM items WHERE receipt LIKE ? UNION "
                                          "SELECT issued_receipt FROM items WHERE issued_receipt LIKE ?",
                                          (post_code + "-%", post_code + "-%"))}
        free = [n for n in range(10_000) if protocol.receipt(post_code, n) not in taken]
        if not free:
            # All codes held: forget the 100 oldest requests that are closed on the server (already purged
            # of personal data), so their codes can be given again; a clash on the server is renumbered.
            gone = db.execute("DELETE FROM items WHERE rowid IN (SELECT rowid FROM items WHERE sync='sent' AND "
                              "state IN ('resolved', 'followed_up', 'rejected', 'merged') ORDER BY rowid LIMIT 100) "
                              "RETURNING receipt, issued_receipt").fetchall()
            taken -= {c for row in gone for c in row}
            free = [n for n in range(10_000) if protocol.receipt(post_code, n) not in taken]
        if not free:
            raise OutboxFull(f"all 10000 receipt codes of post {post_code} are in use on this kiosk")
        return protocol.receipt(post_code, random.choice(free))

    def add_request(self, fields: dict) -> tuple[str, str]:
        """Queue a request (fields as in protocol.REQUEST_FIELDS, without uuid/receipt). -> (uuid, receipt)."""
        uid = str(uuidlib.uuid4())

        def insert(db):
            code = self._pick_receipt(db, self.post_code)
            item = {**fields, "uuid": uid, "receipt": code}
            self._insert(db, uid, "request", code, fields["category"], item)
            return code

        return uid, self._write(insert)

    def enqueue(self, kind: str, payload: dict) -> str:
        """Queue a generic item (e.g. "lesson_progress"); the payload goes to the server as it is."""
        if kind not in protocol.KINDS:
            raise ValueError(f"unknown item kind {kind!r}")
        if kind == "request":
            return self.add_request({k: v for k, v in payload.items() if k not in ("uuid", "receipt")})[0]
        uid = str(uuidlib.uuid4())
        self._write(lambda db: self._insert(db, uid, kind, None, None, {**payload, "uuid": uid}))
        return uid

    @staticmethod
    def _insert(db, uid, kind, code, category, item) -> None:
        now = _now_iso()
        db.execute("INSERT INTO items (uuid, kind, receipt, issued_receipt, category, payload, created_at, "
                   "created_ts, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                   (uid, kind, code, code, category, json.dumps({"kind": kind, **item}, ensure_ascii=False),
                    item.get("created_at") or now, time.time(), now))

    # -- what the sync client needs ---------------------------------------------
    def due(self, limit: int, *, now: float | None = None, force: bool = False) -> list[dict]:
        """Pending items whose next attempt is due, oldest first. A next attempt far in the future means
        the clock jumped back: it is due now rather than in a week."""
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT uuid, payload FROM items WHERE sync='pending' AND (? OR next_attempt <= ? OR next_attempt > ?) "
                "ORDER BY rowid LIMIT ?", (force, now, now + MAX_BACKOFF_S + 60, limit)).fetchall()
        return [json.loads(r["payload"]) for r in rows]

    def next_due_in(self, now: float | None = None) -> float | None:
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute("SELECT MIN(next_attempt) FROM items WHERE sync='pending'").fetchone()
        if row[0] is None:
            return None
        return min(max(0.0, row[0] - now), MAX_BACKOFF_S)

    def record_results(self, results: list[dict]) -> dict[str, int]:
        """Apply the server's per-item results; anything not explicitly acknowledged stays pending."""
        n = {"sent": 0, "duplicates": 0, "rejected": 0}
        now = _now_iso()

        def apply(db):
            for r in results:
                status, uid = r.get("status"), r.get("uuid")
                if protocol.is_ack(r):
                    server_receipt = r.get("receipt")
                    cur = db.execute(
                        "UPDATE items SET sync='sent', payload=NULL, last_error='', "
                        "state=CASE WHEN state='queued' THEN 'received' ELSE state END, updated_at=? "
                        "WHERE uuid=? AND sync='pending'", (now, uid))
                    if cur.rowcount and server_receipt:
                        try:
                            db.execute("UPDATE items SET receipt=? WHERE uuid=?", (server_receipt, uid))
                        except sqlite3.IntegrityError:  # our own other item holds it: keep ours, status still finds it
                            log.warning("server receipt %s for %s clashes locally", server_receipt, uid)
                    if cur.rowcount:
                        n["duplicates" if status == protocol.DUPLICATE else "sent"] += 1
                elif status in (protocol.CONFLICT, protocol.REJECTED):
                    reason = str(r.get("reason") or status)[:500]
                    cur = db.execute("UPDATE items SET sync='rejected', reason=?, last_error=?, updated_at=? "
                                     "WHERE uuid=? AND sync='pending'", (reason, reason, now, uid))
                    n["rejected"] += cur.rowcount
                    if cur.rowcount:
                        log.error("item %s %s by the server: %s", uid, status, reason)
            return n

        return self._write(apply)

    def requeue_rejected(self) -> int:
        """A cadre fixed the cause (e.g. the server learnt a new category): send the rejected items again.
        Same UUIDs, so anything the server did store comes back as a duplicate, never a second record."""
        return self._write(lambda db: db.execute(
            "UPDATE items SET sync='pending', reason='', attempts=0, next_attempt=0 "
            "WHERE sync='rejected' AND payload IS NOT NULL").rowcount)

    def reset_backoff(self) -> int:
        """The server answers again: every pending item is due now, not at the end of its backoff."""
        return self._write(lambda db: db.execute(
            "UPDATE items SET next_attempt=0 WHERE sync='pending' AND next_attempt > 0").rowcount)

    def record_failure(self, uuids: list[str], error: str, *, retry_after: float | None = None) -> None:
        """A round that did not get an answer: back off (exponential, full jitter), keep the items."""
        now = time.time()

        def apply(db):
            for uid in uuids:
                row = db.execute("SELECT attempts FROM items WHERE uuid=?", (uid,)).fetchone()
                if row is None:
                    continue
                attempts = row[0] + 1
                delay = random.uniform(0.5, 1.0) * min(MAX_BACKOFF_S, 2 ** min(attempts, 12))
                if retry_after is not None:
                    delay = max(delay, min(retry_after, MAX_BACKOFF_S))
                db.execute("UPDATE items SET attempts=?, next_attempt=?, last_error=? WHERE uuid=? AND sync='pending'",
                           (attempts, now + delay, error[:500], uid))
            self._set_meta(db, "last_error", error[:500])

        self._write(apply)

    def apply_updates(self, events: list[dict], cursor: int) -> int:
        """Store status changes pulled from the server and the new cursor, in one transaction."""
        def apply(db):
            n = 0
            for e in events:
                n += db.execute("UPDATE items SET state=?, public_note=?, updated_at=? WHERE uuid=?",
                                (e["state"], e.get("public_note") or "", e.get("at") or _now_iso(),
                                 e["uuid"])).rowcount
            self._set_meta(db, "cursor", str(cursor))
            return n

        return self._write(apply)

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it, so purged pages leave no old copies behind."""
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def mark_synced(self) -> None:
        self._write(lambda db: (self._set_meta(db, "last_sync_at", _now_iso()), self._set_meta(db, "last_error", "")))

    def note_error(self, error: str) -> None:
        self._write(lambda db: self._set_meta(db, "last_error", error[:500]))

    @property
    def cursor(self) -> int:
        return int(self._meta("cursor") or 0)

    @staticmethod
    def _set_meta(db, key: str, value: str) -> None:
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                   (key, value))

    def _meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- answers for the screens and the CLI ------------------------------------------
    def status(self, receipt: str) -> dict | None:
        """The request with this receipt code (as given to the resident, or as renumbered by the server)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM items WHERE kind='request' AND (receipt=? OR issued_receipt=?) "
                "ORDER BY (issued_receipt=?) DESC, created_ts DESC LIMIT 1", (receipt, receipt, receipt)).fetchone()
        if row is None:
            return None
        if row["sync"] == "rejected":
            label = "未能发送到社区，请找驻守干部"
        else:
            label = protocol.STATE_LABELS.get(row["state"], row["state"])
        return {"receipt": row["issued_receipt"] or row["receipt"], "server_receipt": row["receipt"],
                "uuid": row["uuid"], "category": row["category"], "state": row["state"], "state_label": label,
                "sync": row["sync"], "public_note": row["public_note"], "updated_at": row["updated_at"]}

    def counts(self) -> dict:
        with self._lock:
            by = dict(self._db.execute("SELECT sync, COUNT(*) FROM items GROUP BY sync").fetchall())
            oldest = self._db.execute("SELECT MIN(created_ts) FROM items WHERE sync='pending'").fetchone()[0]
        return {"pending": by.get("pending", 0), "rejected": by.get("rejected", 0), "sent": by.get("sent", 0),
                "oldest_pending_s": None if oldest is None else max(0, int(time.time() - oldest)),
                "last_sync_at": self._meta("last_sync_at"), "last_error": self._meta("last_error") or ""}

    def rejected(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT receipt, category, reason, uuid, kind FROM items WHERE sync='rejected' "
                                    "ORDER BY created_ts").fetchall()
        return [dict(r) for r in rows]

    def items(self, limit: int = 1000) -> list[dict]:
        """The queue for `kiosk queue`: no personal data."""
        with self._lock:
            rows = self._db.execute(
                "SELECT uuid, kind, issued_receipt AS receipt, category, sync, state, attempts, last_error, "
                "created_at FROM items ORDER BY rowid DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def personal_data(self, uuid: str) -> dict | None:
        """The stored payload (None once purged) — for tests and the admin screen."""
        with self._lock:
            row = self._db.execute("SELECT payload FROM items WHERE uuid=?", (uuid,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None
