"""查进度 by phone tail + door, round trip through the real `community-server serve` on loopback (issue 13: <= 1 s),
and the printed slip's time: python-escpos rendering and writing one slip to a file device.

The find endpoint allows 6 lookups at once per kiosk (then one every 20 s), so the lookups are spread over
several kiosks of the post; each figure is one `ApiClient.find_requests()` call (HTTP keep-alive session per
kiosk), against a post with 1,000 requests on record.

    .venv/bin/python bench/bench_find_slip.py [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def bench_find(tmp: Path, kiosks: int = 5, requests_on_record: int = 1000) -> list[float]:
    from sync import protocol
    from sync.client import ApiClient
    from tests.sync.realserver import running

    with running(tmp / "srv") as srv:
        client = ApiClient(srv.url, srv.token)
        items = []
        for i in range(requests_on_record):
            import uuid

            items.append({"kind": "request", "uuid": str(uuid.uuid4()), "payload": {
                "uuid": "", "receipt": protocol.receipt("WJZ1", i), "category": "shopping", "channel": "touch",
                "created_at": "2026-11-29T10:00:00+08:00", "name": "", "building": f"{i % 6 + 1}号楼",
                "unit": f"{i % 3 + 1}单元", "room": f"{i % 7 + 1}0{i % 2 + 1}", "phone": f"1390000{i:04d}", "text": ""}})
        for it in items:
            it["payload"]["uuid"] = it["uuid"]
        for start in range(0, len(items), 200):
            client._call("POST", protocol.SUBMIT_PATH, data=json.dumps(
                {"protocol": 1, "items": [dict(it["payload"], kind="request") for it in items[start:start + 200]]}),
                headers={"Content-Type": "application/json"})
        times = []
        for k in range(kiosks):
            token = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", f"bench-{k}")["token"]
            c = ApiClient(srv.url, token)
            for j in range(6):
                i = (k * 6 + j) * 7
                t0 = time.perf_counter()
                found = c.find_requests(f"{i:04d}", f"{i % 6 + 1}", f"{i % 3 + 1}", f"{i % 7 + 1}0{i % 2 + 1}")
                times.append(time.perf_counter() - t0)
                assert len(found) == 1, found
        return times


def bench_slip(tmp: Path, n: int = 50) -> tuple[list[float], int]:
    from kiosk.printer import Slip, SlipPrinter

    printer = SlipPrinter(str(tmp / "lp0"))
    slip = Slip("WJZ1-0427", "代充燃气", "2026年11月29日 11:42", "王家庄社区幸福微+党员阵地", "0931-8881234",
                "http://192.168.1.20:8700/r/WJZ1-0427?u=0b7e3c1e-8a40-4f6e-9d0b-6f1c2d3e4f50")
    printer.print_slip(slip)   # imports python-escpos once, as the kiosk's first slip does
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        printer.print_slip(slip)
        times.append(time.perf_counter() - t0)
    return times, (tmp / "lp0").stat().st_size


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        find = bench_find(Path(d))
        slip, size = bench_slip(Path(d))
    out = {"find_n": len(find), "find_p50_ms": round(statistics.median(find) * 1000, 1),
           "find_p95_ms": round(_pct(find, 95) * 1000, 1), "find_max_ms": round(max(find) * 1000, 1),
           "slip_n": len(slip), "slip_p50_ms": round(statistics.median(slip) * 1000, 2),
           "slip_p95_ms": round(_pct(slip, 95) * 1000, 2),
           "slip_bytes": size}
    print(json.dumps(out) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
