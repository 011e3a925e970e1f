"""Drain N queued requests (default 10,000) from a kiosk outbox to the real community server over loopback.

Method: a fresh data dir; `community-server serve` (waitress, SQLite, or DATABASE_URL if set) in a
subprocess on a free loopback port; N requests added through Outbox.add_request (not timed); then one
`SyncClient.run_once()` — the same call as `kiosk sync --once` — is timed until the outbox is empty.
Checks that the server holds exactly N requests with the outbox's UUIDs.

    .venv/bin/python bench/bench_sync_drain.py [--n 10000] [--batch 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.client import SyncClient  # noqa: E402
from sync.outbox import Outbox  # noqa: E402
from tests.sync.realserver import running  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-drain-"))
    with running(tmp / "srv", os.environ.get("DATABASE_URL")) as srv:
        box = Outbox(tmp / "outbox.sqlite3", "WJZ1")
        t0 = time.perf_counter()
        uuids = set()
        for i in range(args.n):
            uid, _ = box.add_request({"category": "shopping", "channel": "touch",
                                      "created_at": "2026-11-28T09:00:00+08:00", "name": f"居民{i}",
                                      "building": "3号楼", "room": "301", "text": "买一袋米"})
            uuids.add(uid)
        fill = time.perf_counter() - t0
        client = SyncClient(box, srv.url, srv.token, timeout=30, batch_size=args.batch)
        t0 = time.perf_counter()
        out = client.run_once()
        drain = time.perf_counter() - t0
        assert out["pending"] == 0 and out["sent"] == args.n, out
        # exactly the outbox's UUIDs on the server, each once
        got = [row["uuid"] for row in srv.stored()]
        assert len(got) == args.n and set(got) == uuids, (len(got), len(set(got) & uuids))
        print(json.dumps({"n": args.n, "batch": args.batch, "enqueue_s": round(fill, 2),
                          "enqueue_per_s": round(args.n / fill), "drain_s": round(drain, 2),
                          "drain_per_s": round(args.n / drain), "database": os.environ.get("DATABASE_URL", "sqlite")
                          .split(":")[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
