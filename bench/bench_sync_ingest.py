"""Server ingest rate, batched: N requests POSTed to the real `community-server serve` over loopback.

Method: a fresh database (SQLite file in a temp data dir, or a throwaway PostgreSQL 15 cluster with fsync on,
from tests/pg.py); one post, --kiosks kiosks with their own tokens; the request bodies are built before timing
(what kiosks would send: protocol v1, batches of --batch); then --kiosks threads POST their batches at once
and the clock runs from the first POST to the last acknowledgement. Every result must be "created"; then the
server must hold exactly the N UUIDs. A second figure times the same work without HTTP (server.api.kinds.dispatch
in one transaction per batch, in process) to show what the database itself takes.

    .venv/bin/python bench/bench_sync_ingest.py [--n 20000] [--batch 200] [--kiosks 4] [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from sync import protocol  # noqa: E402
from sync.catalog import default_catalog  # noqa: E402
from tests import pg  # noqa: E402
from tests.sync.realserver import RealServer  # noqa: E402


def make_batches(n: int, batch: int, kiosks: int, rnd: random.Random) -> list[list[list[dict]]]:
    """Per kiosk, its batches. Receipts are unique within the post (as the server would renumber clashes)."""
    cats = default_catalog().ids
    numbers = rnd.sample(range(10_000), min(n, 10_000))
    items = []
    for i in range(n):
        post = "WJZ1" if i < 10_000 else f"B{i // 10_000}"
        items.append({"kind": "request", "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                      "receipt": protocol.receipt(post, numbers[i % len(numbers)]), "category": rnd.choice(cats),
                      "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00", "name": f"居民{i}",
                      "building": "3号楼", "unit": "2单元", "room": "502", "text": "帮忙买米和油" if i % 2 else ""})
    per = [[] for _ in range(kiosks)]
    for k in range(kiosks):
        mine = items[k::kiosks]
        per[k] = [mine[j:j + batch] for j in range(0, len(mine), batch)]
    return per


def over_http(srv: RealServer, per_kiosk: list[list[list[dict]]], posts: list[str]) -> float:
    tokens = [srv.cli_json("add-kiosk", "--post", posts[k % len(posts)])["token"] for k in range(len(per_kiosk))]
    errors: list[str] = []
    barrier = threading.Barrier(len(per_kiosk) + 1)

    def send(k: int) -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {tokens[k]}"
        barrier.wait()
        for b in per_kiosk[k]:
            r = s.post(srv.url + protocol.SUBMIT_PATH, json={"protocol": 1, "items": b}, timeout=120)
            res = r.json()["results"]
            if r.status_code != 200 or any(x["status"] != "created" for x in res) or len(res) != len(b):
                errors.append(f"HTTP {r.status_code}: {str(res)[:200]}")

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(per_kiosk))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"ingest failed: {errors[0]}")
    return elapsed


def in_process(env: dict, per_kiosk, posts: list[str]) -> float:
    """Same batches through server.api.kinds.dispatch, no HTTP: a child process on a fresh database."""
    data = json.dumps({"batches": per_kiosk, "posts": posts})
    code = r"""
import json, sys, time
from server.cli import setup_django
setup_django()
from django.db import transaction
from server.api import kinds
from server.core.models import Kiosk, Post
d = json.loads(sys.stdin.read())
ks = []
for k in range(len(d["batches"])):
    code = d["posts"][k % len(d["posts"])]
    post, _ = Post.objects.get_or_create(code=code, defaults={"name": code})
    ks.append(Kiosk.issue(post, f"bench-{k}")[0])
t0 = time.perf_counter()
for rnd in range(max(len(b) for b in d["batches"])):
    for k, batches in enumerate(d["batches"]):
        if rnd < len(batches):
            with transaction.atomic():
                res = kinds.dispatch(ks[k], batches[rnd])
            assert all(r["status"] == "created" for r in res), res[:2]
print(time.perf_counter() - t0)
"""
    out = subprocess.run([sys.executable, "-c", code], input=data, env=env, capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(db: str, args) -> dict:
    rnd = random.Random(42)
    per_kiosk = make_batches(args.n, args.batch, args.kiosks, rnd)
    posts = ["WJZ1"] + [f"B{i}" for i in range(1, (args.n - 1) // 10_000 + 1)]
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-ingest-{db}-"))
    urls = {}
    if db == "postgresql":
        pg_root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        base = pg.start(pg_root, durable=True)
        urls = {"http": pg.create_database(base, "ingest_http"), "inproc": pg.create_database(base, "ingest_inproc")}
    try:
        srv = RealServer(tmp / "srv", urls.get("http"))
        for p in posts:
            srv.cli("add-post", "--code", p, "--name", p)
        # items' receipts must start with their kiosk's post code: regroup per post
        by_post = {p: [i for b in per_kiosk for batch in b for i in batch if i["receipt"].startswith(p + "-")] for p in posts}
        kiosk_posts = [posts[k % len(posts)] for k in range(args.kiosks)]
        per_kiosk = [[] for _ in range(args.kiosks)]
        for p, items in by_post.items():
            ks = [k for k in range(args.kiosks) if kiosk_posts[k] == p]
            for j, k in enumerate(ks):
                mine = items[j::len(ks)]
                per_kiosk[k] = [mine[x:x + args.batch] for x in range(0, len(mine), args.batch)]
        srv.start()
        try:
            http_s = over_http(srv, per_kiosk, kiosk_posts)
            stored = srv.stored()
        finally:
            srv.stop()
        sent = {i["uuid"] for b in per_kiosk for batch in b for i in batch}
        assert len(stored) == args.n and {r["uuid"] for r in stored} == sent, "server lost or doubled requests"
        env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp / "inproc"), "COMMUNITY_LOG_LEVEL": "WARNING"}
        env.pop("DATABASE_URL", None)
        if db == "postgresql":
            env["DATABASE_URL"] = urls["inproc"]
        inproc_s = in_process(env, per_kiosk, kiosk_posts)
    finally:
        if db == "postgresql":
            pg.stop(pg_root)
    return {"db": db, "n": args.n, "batch": args.batch, "kiosks": args.kiosks,
            "http_s": round(http_s, 2), "http_per_s": round(args.n / http_s),
            "inproc_s": round(inproc_s, 2), "inproc_per_s": round(args.n / inproc_s)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--kiosks", type=int, default=4)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = ap.parse_args()
    for db in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        r = run(db, args)
        print(json.dumps(r))
        print(f"{db}: {r['n']} requests, batches of {r['batch']} from {r['kiosks']} kiosks: over HTTP {r['http_s']} s "
              f"({r['http_per_s']}/s); in process {r['inproc_s']} s ({r['inproc_per_s']}/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
