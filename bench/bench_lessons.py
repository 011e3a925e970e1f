"""Practice loop latency: from the phone's 确认付款 to the kiosk knowing, against the real community server.

Method: a fresh data dir; `community-server serve` (waitress, SQLite) in a subprocess on a loopback port;
per round the kiosk asks for a one-time token (LessonsClient.new_practice), starts the PracticeWatcher
(polling every 0.4 s, as the lesson screen does), the "phone" (requests) opens /p/<token> and posts the
confirm; timed from the POST's answer to the watcher's "done". Also times the phone lesson page /l/<id>.

    .venv/bin/python bench/bench_lessons.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from sync.client import LessonsClient, PracticeWatcher  # noqa: E402
from tests.sync.realserver import RealServer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        srv = RealServer(Path(tmp) / "srv")
        token = srv.setup_post_and_kiosk()
        srv.start()
        try:
            client = LessonsClient(srv.url, token)
            learned = []
            for _ in range(args.rounds):
                p = client.new_practice("scan_pay")
                url = srv.url + p["path"]
                done = threading.Event()
                seen = {}

                def on_state(state, seen=seen, done=done):
                    if state == "done":
                        seen["at"] = time.monotonic()
                        done.set()
                watcher = PracticeWatcher(client, p["token"], on_state).start()
                phone = requests.Session()
                page = phone.get(url, timeout=10)
                csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
                r = phone.post(url, data={"csrfmiddlewaretoken": csrf}, headers={"Referer": url}, timeout=10)
                assert r.status_code == 200 and "支付成功" in r.text
                paid = time.monotonic()
                if not done.wait(10):
                    raise SystemExit("the kiosk never learned of a payment")
                watcher.stop()
                learned.append(seen["at"] - paid)
            pages = []
            for _ in range(args.rounds):
                t = time.monotonic()
                assert requests.get(srv.url + "/l/scan_pay", timeout=10).status_code == 200
                pages.append(time.monotonic() - t)
        finally:
            srv.stop()
    print(f"practice: phone confirm -> kiosk knows, {args.rounds} rounds: p50 {statistics.median(learned):.3f} s, "
          f"p95 {pct(learned, 95):.3f} s, max {max(learned):.3f} s (target <= 2 s)")
    print(f"phone lesson page /l/scan_pay: p50 {statistics.median(pages) * 1000:.0f} ms, "
          f"p95 {pct(pages, 95) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
