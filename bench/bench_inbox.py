"""Cadre inbox page with N requests in the database (default 100,000): p50/p95 server time.

Method: a fresh data dir; Django in process on SQLite (or DATABASE_URL, e.g. from
`python -m tests.pg start DIR`); 3 posts and N requests spread over two years, most closed (as after
two years of use: ~4 % still open), bulk-inserted (not timed). Then GET /w/inbox/ through Django's
test client — the whole server path: middleware, session, queries, template — timed per request, as
wall-clock time and as this process's CPU time (SQLite runs in process, so on SQLite the CPU time is
nearly all the server's work and is less disturbed by other processes on a busy machine).

    .venv/bin/python bench/bench_inbox.py [--n 100000] [--rounds 100]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    os.environ.setdefault("COMMUNITY_DATA_DIR", tempfile.mkdtemp(prefix="bench-inbox-"))
    os.environ["COMMUNITY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "server.settings"
    import django
    from django.core.management import call_command
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from server.core.models import Post, Request, State
    from sync.catalog import default_catalog

    settings.ALLOWED_HOSTS = ["testserver"]
    rnd = random.Random(7)
    posts = [Post.objects.create(code=f"WJZ{i}", name=f"王家庄{i}号阵地") for i in (1, 2, 3)]
    cadre = User.objects.create_user("cadre", password="bench-pass")
    posts[0].cadres.add(cadre)
    admin = User.objects.create_user("admin", password="bench-pass", is_superuser=True)
    cats = default_catalog().ids
    now = timezone.now()
    t0 = time.perf_counter()
    batch = []
    for i in range(args.n):
        age = timedelta(minutes=rnd.randint(0, 730 * 24 * 60))
        at = now - age
        if age < timedelta(days=14):
            state = rnd.choice([State.RECEIVED, State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.RESOLVED,
                                State.FOLLOWED_UP])
        else:
            state = rnd.choices([State.FOLLOWED_UP, State.RESOLVED, State.REJECTED, State.MERGED, State.ACCEPTED],
                                [70, 20, 5, 3, 2])[0]
        post = posts[i % 3]
        # Not the real form (4 digits cap a post at 10,000 live codes), so no two collide; one real code below.
        batch.append(Request(uuid=uuid.uuid4(), receipt=f"{post.code}-{i:07d}", post=post, category=rnd.choice(cats),
                             state=state, contact_name="王奶奶", building=f"{rnd.randint(1, 20)}号楼", room="501",
                             phone="13800001234", text="帮忙", content_hash="x", kiosk_created_at=at, received_at=at,
                             updated_at=at, accepted_at=at + timedelta(hours=3) if state != State.RECEIVED else None))
        if len(batch) == 5000:
            Request.objects.bulk_create(batch)
            batch = []
    Request.objects.bulk_create(batch)
    Request.objects.filter(receipt="WJZ1-0000300").update(receipt="WJZ1-0300")   # as a resident reads it out
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    open_n = Request.objects.filter(state__in=["received", "accepted", "assigned", "in_progress"]).count()
    print(f"{connection.vendor}: {args.n} requests inserted in {time.perf_counter() - t0:.1f} s; {open_n} open",
          file=sys.stderr)

    def measure(user, query: str) -> tuple[float, float, float, float, str]:
        c = Client()
        c.force_login(user)
        for _ in range(5):
            r = c.get("/w/inbox/" + query)
            assert r.status_code == 200, r.status_code
        times, cpu = [], []
        for _ in range(args.rounds):
            t, p = time.perf_counter(), time.process_time()
            r = c.get("/w/inbox/" + query)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - p) * 1000)
            assert r.status_code == 200
        times.sort()
        cpu.sort()
        if os.environ.get("BENCH_QUERIES"):
            from django.db import reset_queries
            settings.DEBUG = True
            reset_queries()
            c.get("/w/inbox/" + query)
            for q in sorted(connection.queries, key=lambda q: -float(q["time"]))[:4]:
                print(f"  {float(q['time']) * 1000:.1f} ms {q['sql'][:300]}", file=sys.stderr)
            settings.DEBUG = False
        m = re.search(r"共 (\d+) 件", r.content.decode()) or re.search(r"找到 (\d+) 件以上", r.content.decode())
        matched = f"{int(m.group(1)):,}" + ("+" if "件以上" in m.group(0) else "")
        return (statistics.median(times), times[int(0.95 * len(times)) - 1], statistics.median(cpu),
                cpu[int(0.95 * len(cpu)) - 1], matched)

    print(f"| case ({connection.vendor}, {args.n:,} requests) | rows matched | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |")
    print("|---|---|---|---|---|---|")
    for label, user, q in (("cadre, one post, open (default)", cadre, ""),
                           ("admin, all posts, open (default)", admin, ""),
                           ("admin, overdue only", admin, "?state=overdue"),
                           ("cadre, one category, all states", cadre, "?state=all&category=shopping"),
                           ("admin, all states, page 200", admin, "?state=all&page=200"),
                           ("cadre, receipt search", cadre, "?state=all&q=WJZ1-0300"),
                           ("cadre, name search (every request has the same name here)", cadre, "?q=%E7%8E%8B%E5%A5%B6%E5%A5%B6")):
        p50, p95, c50, c95, n = measure(user, q)
        print(f"| {label} | {n} | {p50:.1f} | {p95:.1f} | {c50:.1f} | {c95:.1f} |")
    # Not the inbox, but the heaviest cadre page. The figures are counted by the database: it keeps them per
    # month (server.workbench.rollup, triggers on core_request), so the page adds up a few thousand groups.
    c = Client()
    c.force_login(admin)
    for months in (12, 24):
        times = []
        for _ in range(5):
            t = time.perf_counter()
            assert c.get(f"/w/metrics/?months={months}").status_code == 200
            times.append((time.perf_counter() - t) * 1000)
        print(f"metrics page, admin, {months} months: median {statistics.median(times):.0f} ms, "
              f"max {max(times):.0f} ms (5 requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
