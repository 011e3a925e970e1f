"""The workbench at 1,000,000 requests on PostgreSQL (issue 15.6): inbox, search and metrics page times.

Method: a fresh data dir and a PostgreSQL database (DATABASE_URL, e.g. from `python -m tests.pg start DIR`);
3 posts and N requests spread over two years (~4 % still open), generated inside PostgreSQL with one
INSERT ... SELECT FROM generate_series (seconds, not the hours of ORM inserts); every request keeps its personal
data (the worst case for search: nothing purged). The trigram indexes (migration core 0006) are dropped and the
monthly-figure triggers (workbench 0003) disabled for the insert; the indexes are built again and the figures
counted after it (server.workbench.rollup.rebuild), then VACUUM ANALYZE. Rows go in in time order, as a server receives them (so the
recent ones sit together on disk, as in real use). Then GET through Django's test client in process (middleware,
session, queries, template), 3 warm-up and R timed requests per case.

    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_million.py [--n 1000000] [--rounds 40]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = ["王奶奶", "李大爷", "张阿姨", "刘奶奶", "陈爷爷", "杨阿姨", "赵大爷", "黄奶奶", "周阿姨", "吴爷爷", "徐奶奶",
         "孙大爷", "马阿姨", "朱奶奶", "胡爷爷", "郭阿姨", "何大爷", "高奶奶", "林阿姨", "罗爷爷", "郑奶奶", "梁大爷",
         "谢阿姨", "宋奶奶", "唐爷爷", "许阿姨", "韩大爷", "冯奶奶", "邓阿姨", "曹爷爷"]
TEXTS = ["帮我买一袋面粉", "厨房水管漏水", "楼道灯坏了好几天", "想请人陪我去医院看病", "燃气卡没钱了", "门口垃圾没人收",
         "暖气不热", "下水道堵了", "想学用手机挂号", "窗户关不上", "送两顿午饭", "电视没有信号", "楼上漏水到我家",
         "想办老年卡", "电动车充电的地方不够", "小区路灯不亮", "家里的灯不亮了", "需要人帮忙搬东西", "药吃完了想代买",
         "想问问养老金的事", "卫生间水龙头一直滴水", "楼下有人乱停车", "想找人理发", "门锁坏了", "老伴摔了一跤",
         "水费怎么交", "家里老鼠多", "想参加社区活动", "冰箱不制冷", "外墙掉皮了"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--reuse", action="store_true", help="measure the requests a previous run left in the database")
    args = ap.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        sys.exit("bench_million: set DATABASE_URL to a PostgreSQL database (python -m tests.pg start DIR)")
    os.environ.setdefault("COMMUNITY_DATA_DIR", tempfile.mkdtemp(prefix="bench-million-"))
    os.environ["COMMUNITY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "server.settings"
    import django
    from django.core.management import call_command
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection

    from server.core.models import Post
    from server.workbench import rollup
    from sync.catalog import default_catalog

    settings.ALLOWED_HOSTS = ["testserver"]
    if args.reuse:
        cadre, admin = User.objects.get(username="cadre"), User.objects.get(username="admin")
        with connection.cursor() as cur:
            cur.execute("SELECT count(*), count(*) FILTER (WHERE state IN ('received','accepted','assigned',"
                        "'in_progress')) FROM core_request")
            total, open_n = cur.fetchone()
        return measure_all(args, cadre, admin, total)
    posts = [Post.objects.create(code=f"WJZ{i}", name=f"王家庄{i}号阵地") for i in (1, 2, 3)]
    cadre = User.objects.create_user("cadre", password="bench-pass", first_name="张干部")
    posts[0].cadres.add(cadre)
    admin = User.objects.create_user("admin", password="bench-pass", is_superuser=True)
    cats = list(default_catalog().ids)
    cols = ("phone", "contact_name", "building", "text")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for col in cols:
            cur.execute(f"DROP INDEX IF EXISTS core_request_{col}_trgm")
        cur.execute("ALTER TABLE core_request DISABLE TRIGGER USER")   # the monthly figures: rebuilt after
        cur.execute("SELECT setseed(0.7)")
        cur.execute("""
            INSERT INTO core_request (uuid, receipt, issued_receipt, post_id, category, state, channel, contact_name,
                building, unit, room, phone, text, content_hash, kiosk_created_at, received_at, updated_at,
                accepted_at, resolved_at, resolution, reject_reason, satisfaction, public_note, satisfaction_reason,
                task_note, handed_back_reason)
            SELECT gen_random_uuid(), s.code || '-' || lpad(s.g::text, 7, '0'), '', s.post_id, s.cat, s.state,
                'touch', s.name, (1 + floor(s.r2 * 20)::int) || '号楼', (1 + floor(s.r3 * 4)::int) || '单元',
                (100 * (1 + floor(s.r4 * 6)::int) + 1 + floor(s.r5 * 4)::int)::text, s.phone, s.txt, 'x', s.at, s.at, s.at,
                CASE WHEN s.state <> 'received' THEN s.at + interval '3 hours' END,
                CASE WHEN s.state IN ('resolved', 'followed_up') THEN s.at + interval '2 days' END,
                CASE WHEN s.state IN ('resolved', 'followed_up') THEN '已办好' ELSE '' END,
                CASE WHEN s.state = 'rejected' THEN '不归社区管' ELSE '' END,
                CASE WHEN s.state = 'followed_up' THEN (ARRAY[5, 5, 5, 3, 1])[1 + s.g %% 5] END, '', '', '', ''
            FROM (
                SELECT g, p.code, p.id AS post_id, t.at, t.r2, t.r3, t.r4, t.r5,
                    (%(cats)s::text[])[1 + floor(t.r6 * %(ncat)s)::int] AS cat,
                    (%(names)s::text[])[1 + floor(t.r7 * %(nname)s)::int] AS name,
                    (%(texts)s::text[])[1 + floor(t.r8 * %(ntext)s)::int] AS txt,
                    '13' || lpad(((g::bigint * 104729 + 12345) %% 1000000000)::text, 9, '0') AS phone,
                    CASE WHEN t.at > now() - interval '14 days'
                         THEN (ARRAY['received', 'accepted', 'assigned', 'in_progress', 'resolved', 'followed_up'])
                              [1 + floor(t.r * 6)::int]
                         WHEN t.r < 0.70 THEN 'followed_up' WHEN t.r < 0.90 THEN 'resolved'
                         WHEN t.r < 0.95 THEN 'rejected' WHEN t.r < 0.98 THEN 'merged' ELSE 'accepted' END AS state
                FROM generate_series(1, %(n)s) g
                JOIN (SELECT id, code, row_number() OVER (ORDER BY id) - 1 AS k FROM core_post) p ON p.k = g %% 3
                CROSS JOIN LATERAL (SELECT now() - (%(n)s - g + random()) * (interval '730 days' / %(n)s) AS at,
                                           random() + g * 0 AS r, random() + g * 0 AS r2, random() AS r3,
                                           random() AS r4, random() AS r5, random() AS r6, random() AS r7,
                                           random() AS r8) t
            ) s""", {"cats": cats, "ncat": len(cats), "names": NAMES, "nname": len(NAMES), "texts": TEXTS,
                     "ntext": len(TEXTS), "n": args.n})
        # One request holds a code of the real form (four digits), as a resident would read it out.
        cur.execute("UPDATE core_request SET receipt = 'WJZ1-0300' WHERE receipt = 'WJZ1-0000300'")
        inserted = time.perf_counter() - t0
        t1 = time.perf_counter()
        for col in cols:
            cur.execute(f'CREATE INDEX core_request_{col}_trgm ON core_request USING gin (("{col}"::text) '
                        f'gin_trgm_ops)')
        cur.execute("ALTER TABLE core_request ENABLE TRIGGER USER")
        rollup.rebuild()
        cur.execute("VACUUM ANALYZE core_request")     # as autovacuum would: index-only scans need it
        indexed = time.perf_counter() - t1
        cur.execute("SELECT count(*), count(*) FILTER (WHERE state IN ('received','accepted','assigned',"
                    "'in_progress')) FROM core_request")
        total, open_n = cur.fetchone()
    print(f"postgresql: {total:,} requests inserted in {inserted:.0f} s, trigram indexes, monthly figures, ANALYZE {indexed:.0f} s; "
          f"{open_n:,} open", file=sys.stderr)

    return measure_all(args, cadre, admin, total)


def measure_all(args, cadre, admin, total) -> int:
    from django.test import Client

    def measure(user, path: str) -> tuple[float, float, str]:
        c = Client()
        c.force_login(user)
        for _ in range(3):
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code)
        times = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            r = c.get(path)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        page = r.content.decode()
        m = re.search(r"共 (\d+) 件", page) or re.search(r"找到 (\d+) 件以上", page)
        shown = (m.group(1) + ("+" if "件以上" in m.group(0) else "")) if m else ""
        return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)], shown

    print(f"| case (PostgreSQL, {total:,} requests) | rows matched | p50 ms | p95 ms | target |")
    print("|---|---|---|---|---|")
    cases = [("inbox: cadre, one post, open (default)", cadre, "/w/inbox/", "≤ 150 ms p95"),
             ("inbox: admin, all posts, open (default)", admin, "/w/inbox/", "≤ 150 ms p95"),
             ("inbox: admin, overdue only", admin, "/w/inbox/?state=overdue", "—"),
             ("search: cadre, last four phone digits", cadre, "/w/inbox/?q=4711", "≤ 300 ms p95"),
             ("search: cadre, 7 phone digits", cadre, "/w/inbox/?q=1234567", "≤ 300 ms p95"),
             ("search: cadre, name", cadre, "/w/inbox/?q=%E5%88%98%E5%A5%B6%E5%A5%B6", "≤ 300 ms p95"),
             ("search: cadre, door 5号楼2单元302", cadre, "/w/inbox/?q=5%E5%8F%B7%E6%A5%BC2%E5%8D%95%E5%85%83302",
              "≤ 300 ms p95"),
             ("search: cadre, words 水龙头 滴水", cadre,
              "/w/inbox/?q=%E6%B0%B4%E9%BE%99%E5%A4%B4+%E6%BB%B4%E6%B0%B4", "≤ 300 ms p95"),
             ("search: cadre, two-character word 漏水", cadre, "/w/inbox/?q=%E6%BC%8F%E6%B0%B4", "≤ 300 ms p95"),
             ("search: cadre, receipt code", cadre, "/w/inbox/?q=WJZ1-0300", "≤ 300 ms p95"),
             ("search: admin, last four phone digits", admin, "/w/inbox/?q=4711", "≤ 300 ms p95")]
    for label, user, path, target in cases:
        p50, p95, n = measure(user, path)
        print(f"| {label} | {n} | {p50:.0f} | {p95:.0f} | {target} |", flush=True)
    for label, user, path in (("metrics page: admin, all posts, 12 months", admin, "/w/metrics/"),
                              ("metrics page: cadre, one post, 12 months", cadre, "/w/metrics/"),
                              ("metrics page: admin, 24 months", admin, "/w/metrics/?months=24")):
        c = Client()
        c.force_login(user)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            assert c.get(path).status_code == 200
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        print(f"| {label} | — | {statistics.median(times):.0f} | max {max(times):.0f} (5 requests) | ≤ 1 s |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
