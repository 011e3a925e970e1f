"""An append-only, fsync'd list of the receipt codes this kiosk gave out, next to the outbox.

One JSON line per issued code (uuid, receipt, kind, category, time) and one per acknowledged batch
(the uuids the server confirmed). No personal data. If the outbox file is lost or damaged beyond
salvage, this still says which codes residents were given and which of them the server never
confirmed, so the kiosk can list them for the cadre instead of forgetting them. Past COMPACT_BYTES it is
rewritten (atomically) with only the unconfirmed codes: the confirmed ones are the server's to keep.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
COMPACT_BYTES = 1 << 20   # ~7,000 requests: years of a post's requests, read at every start


class ReceiptJournal:
    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, entry: dict) -> None:
        """Write one line and fsync it; OSError (e.g. a full disk) reaches the caller."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        new = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":   # a torn last line must not swallow this one
                line = b"\n" + line
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:   # the new directory entry must survive a power cut too
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def too_long(self) -> bool:
        try:
            return self.path.stat().st_size > COMPACT_BYTES
        except FileNotFoundError:
            return False

    def compact(self, at: str) -> int:
        """Rewrite the journal with only the codes still unconfirmed (and a first line saying when), through a
        fsync'd temporary file renamed over it: a power cut leaves the old journal or the new one, whole.
        The caller must keep other writers out (the outbox's write lock). -> codes kept."""
        keep = self.unconfirmed()
        body = b"".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                        for e in [{"compacted": at}, *keep])
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError:
            tmp.unlink(missing_ok=True)   # a full disk: the old journal stays as it was
            raise
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dfd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        log.info("receipt journal compacted: %d unconfirmed codes kept", len(keep))
        return len(keep)

    def issued(self, *, uuid: str, receipt: str, kind: str, category: str | None, at: str) -> None:
        self.append({"uuid": uuid, "receipt": receipt, "kind": kind, "category": category, "at": at})

    def acknowledged(self, uuids: list[str], at: str) -> None:
        self.append({"acked": uuids, "at": at})

    def unconfirmed(self) -> list[dict]:
        """Codes given out that the server has not confirmed, oldest first (a torn line is skipped)."""
        issued: dict[str, dict] = {}
        acked: set[str] = set()
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        for raw in lines:
            try:
                e = json.loads(raw)
            except ValueError:
                continue
            if isinstance(e, dict) and isinstance(e.get("acked"), list):
                acked.update(u for u in e["acked"] if isinstance(u, str))
            elif isinstance(e, dict) and isinstance(e.get("uuid"), str) and isinstance(e.get("receipt"), str):
                issued[e["uuid"]] = e
        return [e for u, e in issued.items() if u not in acked]

    def has_entries(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False
