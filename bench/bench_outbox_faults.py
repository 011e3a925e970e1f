"""A damaged 10,000-row kiosk outbox: set-aside, salvage, and a sync with one damaged row.

Method: one outbox of N pending requests is built through Outbox.add_request (not timed beyond the
fill figure) and copied (with its receipt journal) for each case:
  set_aside  — one row's payload cut (quick_check still passes); time to page through every due item
               (batches of 200, as the client asks) with the row set aside on the way, against the same
               walk on an undamaged copy;
  salvage    — the file truncated to half / one leaf page overwritten / emptied to 0 bytes; time to open it
               (set aside, page-by-page salvage, journal listing of the lost codes), rows saved and listed;
  sync       — one row cut among N; one SyncClient.run_once() (what `kiosk sync --once` does) against the
               real `community-server serve` on loopback (SQLite, or DATABASE_URL if set), timed until the
               outbox holds no pending item; checks the server holds exactly the N-1 readable requests.

    .venv/bin/python bench/bench_outbox_faults.py [--n 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.client import SyncClient  # noqa: E402
from sync.outbox import Outbox  # noqa: E402
from tests.sync.realserver import running  # noqa: E402


def build(path: Path, n: int) -> list[str]:
    ob = Outbox(path, "WJZ1")
    uuids = [ob.add_request({"category": "shopping", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
                             "name": f"居民{i}", "building": "3号楼", "room": "301", "text": "买一袋米"})[0]
             for i in range(n)]
    ob.checkpoint()
    ob.close()
    return uuids


def copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        if f.name.startswith("outbox.") and not f.name.endswith(".reserve"):
            shutil.copy(f, dst / f.name)
    return dst / "outbox.sqlite3"


def cut_row(path: Path, uid: str) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE items SET payload = substr(payload, 1, 40) WHERE uuid=?", (uid,))
    db.commit()
    db.close()


def walk_due(path: Path) -> tuple[float, int]:
    ob = Outbox(path, "WJZ1")
    t0 = time.perf_counter()
    seen = 0
    while True:   # what the client does: take a batch, "send" it, ask again (acknowledge to move on)
        batch = ob.due(200, force=True)
        if not batch:
            break
        seen += len(batch)
        ob.record_results([{"uuid": i["uuid"], "status": "created"} for i in batch])
    took = time.perf_counter() - t0
    assert ob.counts()["pending"] == 0
    ob.close()
    return took, seen


def open_timed(path: Path) -> dict:
    t0 = time.perf_counter()
    ob = Outbox(path, "WJZ1")
    took = time.perf_counter() - t0
    c = ob.counts()
    ob.close()
    return {"open_s": round(took, 2), "saved": c["pending"], "listed_lost": c["unreadable"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-faults-"))
    base = tmp / "base"
    base.mkdir()
    t0 = time.perf_counter()
    uuids = build(base / "outbox.sqlite3", args.n)
    out: dict = {"n": args.n, "fill_s": round(time.perf_counter() - t0, 1),
                 "file_mb": round((base / "outbox.sqlite3").stat().st_size / 1e6, 1)}

    clean_s, _ = walk_due(copy(base, tmp / "clean"))
    p = copy(base, tmp / "aside")
    cut_row(p, uuids[args.n // 2])
    aside_s, seen = walk_due(p)
    assert seen == args.n - 1
    out["due_walk_clean_s"], out["due_walk_one_bad_row_s"] = round(clean_s, 2), round(aside_s, 2)

    p = copy(base, tmp / "half")
    os.truncate(p, p.stat().st_size // 2)
    out["truncated_half"] = open_timed(p)
    p = copy(base, tmp / "page")
    db = sqlite3.connect(p)
    leaves = db.execute("SELECT pageno, ncell FROM dbstat WHERE name='items' AND pagetype='leaf'").fetchall()
    db.close()
    page, cells = leaves[len(leaves) // 2]
    with open(p, "r+b") as f:   # one leaf page of the items table turned to garbage
        f.seek((page - 1) * 4096)
        f.write(b"\xff" * 4096)
    out["garbage_page"] = {**open_timed(p), "rows_on_page": cells}
    p = copy(base, tmp / "empty")
    os.truncate(p, 0)
    out["zero_bytes"] = open_timed(p)

    for case, bad in (("sync_clean_s", set()), ("sync_one_bad_row_s", {uuids[args.n // 2]})):
        p = copy(base, tmp / case)
        for uid in bad:
            cut_row(p, uid)
        with running(tmp / f"srv-{case}", os.environ.get("DATABASE_URL")) as srv:
            ob = Outbox(p, "WJZ1")
            client = SyncClient(ob, srv.url, srv.token, timeout=30, batch_size=200)
            t0 = time.perf_counter()
            r = client.run_once()
            out[case] = round(time.perf_counter() - t0, 2)
            assert r["pending"] == 0 and r["sent"] == args.n - len(bad) and r["error"] == "", r
            assert {a["uuid"] for a in ob.set_aside()} == bad
            got = [row["uuid"] for row in srv.stored()]
            assert len(got) == args.n - len(bad) and set(got) == set(uuids) - bad
            ob.close()
    out["database"] = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    print(json.dumps(out))
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
