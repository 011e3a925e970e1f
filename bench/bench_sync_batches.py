"""Drain N requests with every field at its maximum (issue 10.3) through the real community server, batches
sized by encoded bytes under protocol.MAX_BODY_BYTES.

Method: a fresh data dir; `community-server serve` (SQLite, or DATABASE_URL if set) in a subprocess on a
loopback port; N widest requests (name 50, building/unit/room 20 Chinese characters, phone 20 digits, text
2,000 Chinese characters) added through Outbox.add_request (not timed); one `SyncClient.run_once()` timed
until the outbox is empty. Reports how many submit bodies went out and the largest, measured by the batch
sizer the client itself uses.

    .venv/bin/python bench/bench_sync_batches.py [--n 1000] [--batch 200]
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

from sync import protocol  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.outbox import Outbox  # noqa: E402
from tests.sync.realserver import running  # noqa: E402


class Counting(SyncClient):
    """The real client; records the size of each body it posts."""

    bodies: list[int]

    def _post_items(self, encoded):
        self.bodies.append(len(protocol.submit_body(encoded)))
        return super()._post_items(encoded)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args()
    f = protocol.REQUEST_FIELDS
    widest = {"category": "gas_recharge", "channel": "voice", "created_at": "2026-11-28T09:00:00+08:00",
              "name": "张" * f["name"], "building": "楼" * f["building"], "unit": "单" * f["unit"],
              "room": "室" * f["room"], "phone": "1" * f["phone"], "text": "请" * f["text"]}
    tmp = Path(tempfile.mkdtemp(prefix="bench-batches-"))
    with running(tmp / "srv", os.environ.get("DATABASE_URL")) as srv:
        box = Outbox(tmp / "outbox.sqlite3", "WJZ1")
        for _ in range(args.n):
            box.add_request(widest)
        client = Counting(box, srv.url, srv.token, timeout=60, batch_size=args.batch)
        client.bodies = []
        t0 = time.perf_counter()
        out = client.run_once()
        drain = time.perf_counter() - t0
        assert out["pending"] == 0 and out["sent"] == args.n and not out["error"], out
        assert len(srv.stored()) == args.n
        print(json.dumps({"n": args.n, "batch": args.batch, "bodies": len(client.bodies),
                          "largest_body": max(client.bodies), "limit": protocol.MAX_BODY_BYTES,
                          "items_per_body": round(args.n / len(client.bodies), 1), "drain_s": round(drain, 2),
                          "drain_per_s": round(args.n / drain),
                          "database": os.environ.get("DATABASE_URL", "sqlite").split(":")[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
