"""Rows still readable in a damaged outbox file, read straight off its pages.

SQLite finds rows through the b-tree; when a file is cut in half or a page is garbage, the way through
the tree breaks and a query reaches none of the rows behind it, although half the leaf pages are intact.
So this reads every page of the file (and every frame of its WAL) on its own, decodes each cell of each
table leaf page (https://www.sqlite.org/fileformat2.html) and keeps the ones that look like an outbox
item. A damaged page or cell costs only its own rows. Debian 12's `sqlite3 .recover` is not used: its
3.40.1 fails with "SQL logic error" on every WAL file, damaged or not.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

HEADER = b"SQLite format 3\x00"
TABLE_LEAF = 0x0D
UUID_RE = re.compile(rb"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SYNC_RANK = {b"sent": 0, b"unreadable": 1, b"rejected": 2, b"pending": 3}   # which copy of a row is the latest


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    n = 0
    for k in range(8):
        b = buf[i + k]
        n = (n << 7) | (b & 0x7F)
        if b < 0x80:
            return n, i + k + 1
    return (n << 8) | buf[i + 8], i + 9


def _record(payload: bytes) -> list:
    """Decode one record; text stays bytes (it may not be valid UTF-8)."""
    size, i = _varint(payload, 0)
    types = []
    while i < size:
        t, i = _varint(payload, i)
        types.append(t)
    out, j = [], size
    for t in types:
        if t == 0:
            out.append(None)
        elif t in (8, 9):
            out.append(t - 8)
        elif t <= 6:
            n = (1, 2, 3, 4, 6, 8)[t - 1]
            out.append(int.from_bytes(payload[j:j + n], "big", signed=True))
            j += n
        elif t == 7:
            out.append(struct.unpack(">d", payload[j:j + 8])[0])
            j += 8
        elif t >= 12:
            n = (t - 12) // 2
            if j + n > len(payload):
                raise ValueError("record runs past its payload")
            out.append(payload[j:j + n])
            j += n
        else:
            raise ValueError(f"bad serial type {t}")
    return out


class _Pages:
    """The file's pages by number: the main file, then the WAL's frames on top (newer copies)."""

    def __init__(self, path: Path):
        data = path.read_bytes() if path.exists() else b""
        size = int.from_bytes(data[16:18], "big") if data.startswith(HEADER) else 4096
        self.size = 65536 if size == 1 else size
        if self.size < 512 or self.size & (self.size - 1):
            self.size = 4096
        self.usable = self.size - (data[20] if data.startswith(HEADER) else 0)
        self.main = data
        self.frames: list[tuple[int, bytes]] = []
        wal = Path(str(path) + "-wal")
        raw = wal.read_bytes() if wal.exists() else b""
        if len(raw) >= 32 and int.from_bytes(raw[8:12], "big") == self.size:
            txn = []   # only committed transactions of this WAL generation: an item whose add never returned
            for off in range(32, len(raw) - 24 - self.size + 1, 24 + self.size):   # gave no receipt
                if raw[off + 8:off + 16] != raw[16:24]:   # salts of an older generation: already checkpointed
                    break
                txn.append((int.from_bytes(raw[off:off + 4], "big"), raw[off + 24:off + 24 + self.size]))
                if int.from_bytes(raw[off + 4:off + 8], "big"):   # a commit frame
                    self.frames += txn
                    txn = []

    def get(self, pgno: int) -> bytes | None:
        off = (pgno - 1) * self.size
        page = self.main[off:off + self.size]
        return page if pgno >= 1 and len(page) == self.size else None

    def every(self):
        for pgno in range(1, len(self.main) // self.size + 1):
            yield pgno, self.get(pgno)
        yield from self.frames

    def cells(self, pgno: int, page: bytes):
        """(rowid, full payload) of each readable cell of a table leaf page."""
        hdr = 100 if pgno == 1 else 0
        if page[hdr] != TABLE_LEAF:
            return
        u = self.usable
        for k in range(int.from_bytes(page[hdr + 3:hdr + 5], "big")):
            try:
                off = int.from_bytes(page[hdr + 8 + 2 * k:hdr + 10 + 2 * k], "big")
                size, i = _varint(page, off)
                rowid, i = _varint(page, i)
                local = size
                if size > u - 35:
                    m = (u - 12) * 32 // 255 - 23
                    local = m + (size - m) % (u - 4)
                    local = local if local <= u - 35 else m
                payload = page[i:i + local]
                nxt = int.from_bytes(page[i + local:i + local + 4], "big") if local < size else 0
                while len(payload) < size and nxt:     # follow the overflow chain while its pages exist
                    over = self.get(nxt)
                    if over is None:
                        break
                    nxt = int.from_bytes(over[:4], "big")
                    payload += over[4:u][:size - len(payload)]
                if len(payload) == size:
                    yield rowid, payload
            except (IndexError, ValueError):
                continue


def items(path: Path, columns: list[str]) -> tuple[list[dict], int | None]:
    """-> (rows that look like outbox items, keyed by column name; the updates cursor if found).

    Rows are matched by shape (a UUID, a known sync state); rows written before a column was added
    have fewer fields, and the missing ones are left out (the table's default fills them)."""
    pages = _Pages(path)
    best: dict[bytes, dict] = {}
    cursor = None
    for pgno, page in pages.every():
        for _, payload in pages.cells(pgno, page):
            try:
                values = _record(payload)
            except (IndexError, ValueError):
                continue
            if len(values) == 2 and values[0] == b"cursor" and isinstance(values[1], bytes) and values[1].isdigit():
                cursor = max(cursor or 0, int(values[1]))
                continue
            if not 16 <= len(values) <= len(columns):
                continue
            row = dict(zip(columns, values, strict=False))   # older rows: fewer fields
            if not (isinstance(row["uuid"], bytes) and UUID_RE.match(row["uuid"]) and row["sync"] in SYNC_RANK
                    and isinstance(row["created_ts"], (int, float))):
                continue
            old = best.get(row["uuid"])
            if old is None or SYNC_RANK[row["sync"]] <= SYNC_RANK[old["sync"]]:   # ties: the later copy (WAL)
                best[row["uuid"]] = row
    return list(best.values()), cursor
