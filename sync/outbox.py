"""The kiosk's durable outbox: SQLite (WAL, synchronous=FULL), one row per item, nothing deleted unconfirmed.

An item is committed (fsync'd) before enqueue returns, so a receipt on screen always has a row behind it.
Only the server's explicit per-item acknowledgement moves an item from `pending` to `sent`; then its
personal data is purged and only receipt, category and state stay, to answer "how is my request going?".
Safe to use from the UI thread, the sync worker thread and `kiosk` commands in other processes at once.

Faults it survives: a row it cannot read is set aside (sync='unreadable') instead of blocking the queue;
a damaged file is kept aside and its rows salvaged page by page (sync/salvage.py); codes given out are
also in an fsync'd journal (sync/journal.py), so a lost file still lists them; a reserve file
(sync/reserve.py) keeps room on a full disk for acknowledgements and purges.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import sqlite3
import threading
import time
import uuid as uuidlib
from datetime import datetime
from pathlib import Path

from assets.texts import t
from sync import protocol, salvage
from sync.journal import ReceiptJournal
from sync.outbox_schema import migrate
from sync.reserve import RESERVE_BYTES, DiskReserve

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 15 * 60



class OutboxError(RuntimeError):
    pass


class OutboxFull(OutboxError):
    """The disk (or the receipt numbers of this post) ran out: nothing was queued."""


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


UNREADABLE = "unreadable"
SET_ASIDE_KEEP_S = 30 * 86400   # a technician may still read a damaged row by hand; then its personal data goes
WHY = {why: t(f"outbox.why_{why}") for why in ("encoding", "cut", "shape", "lost")}


def _epoch(iso: str | None, default: float) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):   # a damaged stamp: counted from now, so kept another full period
        return default


def _unreadable_reason(why: str) -> str:
    return t("outbox.unreadable", why=WHY[why])


def _text(raw: bytes) -> str:
    """Whatever of a damaged text value can still be read."""
    return raw.decode("utf-8", "replace")


class Outbox:
    def __init__(self, path: str | Path, post_code: str = "WJZ1", *, reserve_bytes: int = RESERVE_BYTES):
        self.path = Path(path)
        self.post_code = post_code
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.recovered_from: Path | None = None
        self.journal = ReceiptJournal(self.path.with_name(self.path.stem + ".receipts"))
        self.reserve = DiskReserve(self.path.with_name(self.path.stem + ".reserve"), reserve_bytes)
        try:
            lost = self._lost()
            if lost:
                raise sqlite3.DatabaseError(lost)
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            self._db = self._recover(exc)
        self.reserve.ensure()

    # -- opening and recovery --------------------------------------------------
    def _lost(self) -> str:
        """An empty or missing file where the journal says codes were given out: the outbox was lost,
        not new. SQLite would silently start an empty database in it."""
        size = self.path.stat().st_size if self.path.exists() else None
        if not size and self.journal.has_entries():
            return "file is missing" if size is None else "file is empty (0 bytes)"
        return ""

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            db.text_factory = _text   # a damaged text value must not make a whole listing fail
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA secure_delete=ON")   # purged personal data is overwritten, not just unlinked
            ok = db.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {ok}")
            migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _recover(self, exc: Exception) -> sqlite3.Connection:
        """Keep the damaged file for the installer, start a fresh one, copy over every row still readable,
        list the codes the journal knows and the file lost; the error stays on show until cleared."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        log.error("outbox %s is damaged (%s); kept as %s, starting a new one", self.path, exc, aside)
        kept = False
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                os.replace(p, Path(str(aside) + suffix))
                kept = kept or suffix == ""
        db = self._open()
        saved = self._salvage(aside, db)
        lost = self._list_lost(db)
        self.recovered_from = aside if kept else None
        what = t({"file is missing": "outbox.file_missing", "file is empty (0 bytes)": "outbox.file_empty"}
                 .get(str(exc), "outbox.file_unopenable"))
        msg = t("outbox.damaged", what=what) + (t("outbox.kept_as", file=aside.name) if kept else "") \
            + t("outbox.saved", count=saved)
        if lost:
            msg += t("outbox.lost", count=lost)
        self._set_meta(db, "last_error", msg)
        self._set_meta(db, "damage", msg)
        log.error("outbox recovery: %s", msg)
        return db

    @staticmethod
    def _salvage(aside: Path, db: sqlite3.Connection) -> int:
        """Copy every row still on an intact page of the old file (and its WAL). -> rows saved."""
        cols = [r[1] for r in db.execute("PRAGMA table_info(items)")]
        rows, cursor = salvage.items(aside, cols)
        db.execute("BEGIN")
        saved = 0
        for row in rows:
            for k, v in row.items():   # text back to text; a payload that is not UTF-8 stays bytes (set aside later)
                if isinstance(v, bytes):
                    try:
                        row[k] = v.decode("utf-8")
                    except UnicodeDecodeError:
                        row[k] = v if k == "payload" else v.decode("utf-8", "replace")
            names = ", ".join(row)
            cur = db.execute(f"INSERT OR IGNORE INTO items ({names}) VALUES ({', '.join('?' * len(row))})",
                             tuple(row.values()))
            if not cur.rowcount:   # its code is held by a row already saved: keep the item, find it by issued code
                cur = db.execute(f"INSERT OR IGNORE INTO items ({names}) VALUES ({', '.join('?' * len(row))})",
                                 tuple(None if k == "receipt" else v for k, v in row.items()))
            saved += cur.rowcount
        if cursor is not None:   # the updates cursor, so status changes are not fetched from zero
            Outbox._set_meta(db, "cursor", str(cursor))
        db.execute("COMMIT")
        return saved

    def _list_lost(self, db: sqlite3.Connection) -> int:
        """Codes the journal says were given out and never confirmed, with no row left: set aside as lost."""
        now, n = _now_iso(), 0
        db.execute("BEGIN")
        for e in self.journal.unconfirmed():
            if db.execute("SELECT 1 FROM items WHERE uuid=?", (e["uuid"],)).fetchone():
                continue
            taken = db.execute("SELECT 1 FROM items WHERE receipt=?", (e["receipt"],)).fetchone()
            n += db.execute(
                "INSERT OR IGNORE INTO items (uuid, kind, receipt, issued_receipt, category, created_at, created_ts, "
                "sync, updated_at, reason, last_error, set_aside_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (e["uuid"], e.get("kind") or "request", None if taken else e["receipt"], e["receipt"],
                 e.get("category"), e.get("at") or now, time.time(), UNREADABLE, now, _unreadable_reason("lost"),
                 _unreadable_reason("lost"), now)).rowcount
        db.execute("COMMIT")
        return n

    def clear_damage(self) -> None:
        """The installer has seen the damage notice (the old file stays where it was kept)."""
        self._write(lambda db: db.execute("DELETE FROM meta WHERE key='damage'"))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -----------------------------------------------------------------
    def _write(self, fn, *, critical: bool = True):
        """Run fn(db) in one IMMEDIATE transaction; a full disk becomes OutboxFull. Every write but a new
        item is critical: on a full disk it frees the reserve and tries once more, so acknowledgements,
        purges and set-asides always land."""
        with self._lock:
            try:
                return self._transaction(fn)
            except OutboxFull:
                if not critical or not self.reserve.release():
                    raise
                return self._transaction(fn)

    def _transaction(self, fn):
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
            closed = ",".join("?" * len(protocol.CLOSED_STATES))
            gone = db.execute("DELETE FROM items WHERE rowid IN (SELECT rowid FROM items WHERE sync='sent' AND "
                              f"state IN ({closed}) ORDER BY rowid LIMIT 100) "
                              "RETURNING receipt, issued_receipt", protocol.CLOSED_STATES).fetchall()
            taken -= {c for row in gone for c in row}
            free = [n for n in range(10_000) if protocol.receipt(post_code, n) not in taken]
        if not free:
            raise OutboxFull(f"all 10000 receipt codes of post {post_code} are in use on this kiosk")
        return protocol.receipt(post_code, random.choice(free))

    def add_request(self, fields: dict) -> tuple[str, str]:
        """Queue a request (fields as in protocol.REQUEST_FIELDS, without uuid/receipt). -> (uuid, receipt)."""
        uid = str(uuidlib.uuid4())
        if not self.reserve.ensure():   # the last room on the disk is kept for acknowledgements
            raise OutboxFull("disk full: no room for the outbox reserve")

        def insert(db):
            code = self._pick_receipt(db, self.post_code)
            item = {**fields, "uuid": uid, "receipt": code}
            self._insert(db, uid, "request", code, fields["category"], item)
            try:   # in the journal before the commit: the journal lists every code that may have been given
                self.journal.issued(uuid=uid, receipt=code, kind="request", category=fields["category"],
                                    at=_now_iso())
            except OSError as exc:
                raise (OutboxFull if exc.errno == errno.ENOSPC else OutboxError)(f"receipt journal: {exc}") from exc
            return code

        return uid, self._write(insert, critical=False)

    def enqueue(self, kind: str, payload: dict) -> str:
        """Queue a generic item (e.g. "lesson_progress"); the payload goes to the server as it is."""
        if kind not in protocol.KINDS:
            raise ValueError(f"unknown item kind {kind!r}")
        if kind == "request":
            return self.add_request({k: v for k, v in payload.items() if k not in ("uuid", "receipt")})[0]
        uid = str(uuidlib.uuid4())
        if not self.reserve.ensure():
            raise OutboxFull("disk full: no room for the outbox reserve")
        self._write(lambda db: self._insert(db, uid, kind, None, None, {**payload, "uuid": uid}), critical=False)
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
        the clock jumped back: it is due now rather than in a week. A row that cannot be read is set
        aside on the way (sync='unreadable') and never blocks the others."""
        now = time.time() if now is None else now
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT rowid, CAST(uuid AS BLOB), CAST(payload AS BLOB) FROM items WHERE sync='pending' "
                    "AND (? OR next_attempt <= ? OR next_attempt > ?) ORDER BY rowid LIMIT ?",
                    (force, now, now + MAX_BACKOFF_S + 60, limit)).fetchall()
            items, bad = [], []
            for rowid, uid, payload in rows:
                item, why = self._parse(uid, payload)
                if why:
                    bad.append((rowid, why))
                else:
                    items.append(item)
            if not bad:
                return items
            self._set_aside(bad)

    @staticmethod
    def _parse(uid: bytes | None, payload: bytes | None) -> tuple[dict | None, str]:
        """-> (the item, "") or (None, why it cannot be sent)."""
        try:
            text = (payload or b"").decode("utf-8")
        except UnicodeDecodeError:
            return None, "encoding"
        try:
            item = json.loads(text)
        except ValueError:
            return None, "cut"
        if not isinstance(item, dict) or item.get("uuid") != (uid or b"").decode("utf-8", "replace"):
            return None, "shape"
        return item, ""

    def _set_aside(self, bad: list[tuple[int, str]]) -> None:
        now = _now_iso()

        def apply(db):
            for rowid, why in bad:
                reason = _unreadable_reason(why)
                db.execute("UPDATE items SET sync=?, reason=?, last_error=?, set_aside_at=?, reported=0, updated_at=? "
                           "WHERE rowid=? AND sync='pending'", (UNREADABLE, reason, reason, now, now, rowid))
                log.error("outbox row %d set aside: %s", rowid, WHY[why])

        self._write(apply)

    def set_aside(self) -> list[dict]:
        """Rows set aside because they cannot be read (or were lost with a damaged file), oldest first:
        uuid, receipt, category, kind, reason (Chinese), set_aside_at (ISO 8601), reported."""
        with self._lock:
            rows = self._db.execute(
                "SELECT uuid, COALESCE(issued_receipt, receipt) AS receipt, category, kind, reason, set_aside_at, "
                "reported FROM items WHERE sync=? ORDER BY rowid", (UNREADABLE,)).fetchall()
        return [{**dict(r), "reported": bool(r["reported"])} for r in rows]

    def mark_set_aside_reported(self, uuids: list[str]) -> None:
        """The server has been told about these set-aside rows."""
        self._write(lambda db: db.executemany("UPDATE items SET reported=1 WHERE uuid=? AND sync=?",
                                              [(u, UNREADABLE) for u in uuids]))

    def forget_set_aside(self, *, now: float | None = None) -> int:
        """Set-aside rows the server was told about longer than SET_ASIDE_KEEP_S ago lose their damaged
        payload (name, door, phone): the cadre has the code, the category and the reason. -> rows forgotten."""
        now = time.time() if now is None else now

        def apply(db):
            rows = db.execute("SELECT rowid, set_aside_at FROM items WHERE sync=? AND reported=1 "
                              "AND payload IS NOT NULL", (UNREADABLE,)).fetchall()
            old = [(r["rowid"],) for r in rows if now - _epoch(r["set_aside_at"], now) > SET_ASIDE_KEEP_S]
            db.executemany("UPDATE items SET payload=NULL WHERE rowid=?", old)
            return len(old)

        return self._write(apply)

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
            acked.clear()   # a transaction retried (see _write) counts again from zero
            n.update(sent=0, duplicates=0, rejected=0)
            for r in results:
                status, uid = r.get("status"), r.get("uuid")
                if protocol.is_ack(r):
                    server_receipt = r.get("receipt")
                    cur = db.execute(
                        "UPDATE items SET sync='sent', payload=NULL, last_error='', "
                        "state=CASE WHEN state=? THEN 'received' ELSE state END, updated_at=? "
                        "WHERE uuid=? AND sync='pending'", (protocol.QUEUED, now, uid))
                    if cur.rowcount and server_receipt:
                        try:
                            db.execute("UPDATE items SET receipt=? WHERE uuid=?", (server_receipt, uid))
                        except sqlite3.IntegrityError:  # our own other item holds it: keep ours, status still finds it
                            log.warning("server receipt %s for %s clashes locally", server_receipt, uid)
                    if cur.rowcount:
                        n["duplicates" if status == protocol.DUPLICATE else "sent"] += 1
                        acked.append(uid)
                elif status in (protocol.CONFLICT, protocol.REJECTED):
                    reason = str(r.get("reason") or status)[:500]
                    cur = db.execute("UPDATE items SET sync='rejected', reason=?, last_error=?, updated_at=? "
                                     "WHERE uuid=? AND sync='pending'", (reason, reason, now, uid))
                    n["rejected"] += cur.rowcount
                    if cur.rowcount:
                        log.error("item %s %s by the server: %s", uid, status, reason)
            return n

        acked: list[str] = []
        out = self._write(apply)
        if acked:
            try:   # best effort: a missing line only makes a lost outbox list a delivered code as lost
                self.journal.acknowledged(acked, now)
                if self.journal.too_long():   # under the write lock: no other process is issuing a code meanwhile
                    self._write(lambda db: self.journal.compact(now), critical=False)
            except (OSError, OutboxError) as exc:   # a full disk: the long journal stays, whole, until next time
                log.warning("receipt journal: acknowledgements or compaction not written (%s)", exc)
        return out

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
        self.reserve.ensure()   # the WAL gave its room back: the reserve can come back if it was used

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
                "SELECT issued_receipt, receipt, uuid, category, state, sync, public_note, updated_at FROM items "
                "WHERE kind='request' AND (receipt=? OR issued_receipt=?) "
                "ORDER BY (issued_receipt=?) DESC, created_ts DESC LIMIT 1", (receipt, receipt, receipt)).fetchone()
        if row is None:
            return None
        if row["sync"] == "rejected":
            label = t("outbox.not_sent")
        elif row["sync"] == UNREADABLE:
            label = t("outbox.unreadable_label")
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
                "unreadable": by.get(UNREADABLE, 0), "damage": self._meta("damage") or "",
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
        """The stored payload (None once purged, or unreadable) — for tests and the admin screen."""
        with self._lock:
            row = self._db.execute("SELECT uuid, CAST(payload AS BLOB) FROM items WHERE uuid=?", (uuid,)).fetchone()
        return self._parse(row[0].encode(), row[1])[0] if row and row[1] else None
