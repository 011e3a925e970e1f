"""The monthly figures the database keeps (server.workbench.rollup, issue 15.6) equal the live aggregation over the
requests, on SQLite and PostgreSQL (run again with DATABASE_URL), whatever wrote the requests: the ORM, the
workbench's actions, a queryset update, a delete, the batched ingest's raw executemany."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from server.api.kinds import fast_insert
from server.core.models import Post, Request, State
from server.workbench import actions, metrics, rollup
from server.workbench.models import RequestMonth, RequestMonthDelta

from .conftest import make_request

pytestmark = pytest.mark.django_db

STATES = [s.value for s in State]
CATS = ["gas_recharge", "home_repair", "shopping", "sanitation", "medical_escort", "not_in_the_catalog"]


def _figures(qs, now, **kw):
    out = {}
    for months in (1, 3, 12, 24):
        data = metrics.compute(qs, months=months, now=now, **kw)
        out[months] = metrics.table_rows(data)
    return out


def _groups(post_ids, qs, now):
    """The raw groups of both sources, as comparable sets (months: all 24)."""
    tz = timezone.get_current_timezone()
    first = (now.astimezone(tz) - timedelta(days=800)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def norm(rows):
        return sorted((r["post_id"], r["category"], r["ym"], r["state"], r["satisfaction"] or 0, r["n"],
                       r["in_time"], r["accept_n"], r["resolve_n"], metrics._seconds(r["accept_sum"]),
                       metrics._seconds(r["resolve_sum"])) for r in rows)
    return norm(metrics._live_groups(qs, first, tz)), norm(metrics._rollup_groups(post_ids, first))


def _assert_equal(world, now):
    a, b = world["a"], world["b"]
    live, kept = _groups(True, Request.objects.all(), now)
    assert kept == live and len(live) > 10
    assert _figures(Request.objects.all(), now, post_ids=True) == _figures(Request.objects.all(), now)
    mine = Request.objects.filter(post_id__in=[a.pk])
    assert _figures(mine, now, post_ids=[a.pk]) == _figures(mine, now)
    both = Request.objects.filter(post_id__in=[a.pk, b.pk])
    assert _figures(both, now, post_ids=[a.pk, b.pk]) == _figures(both, now)


def test_kept_figures_equal_the_live_aggregation_through_every_kind_of_write(world):
    assert rollup.supported()
    rnd = random.Random(15)
    now = timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    a, b = world["a"], world["b"]
    c = Post.objects.create(code="WJZ3", name="王家庄三号阵地")
    cadre = world["admin"]
    # Edges: the first microsecond of a local month and the last one before it; accepted exactly at a limit
    # (gas_recharge: 2 h; shopping: 24 h) and one microsecond after; accepted "before" it arrived (clock skew).
    month_start = now.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for at in (month_start, month_start - timedelta(microseconds=1)):
        make_request(a, "shopping", received_at=at, kiosk_created_at=at, updated_at=at)
    for cat, hours in (("gas_recharge", 2), ("shopping", 24)):
        for extra in (timedelta(0), timedelta(microseconds=1), timedelta(hours=-hours - 1)):
            t = now - timedelta(days=5)
            make_request(b, cat, received_at=t, accepted_at=t + timedelta(hours=hours) + extra, state=State.ACCEPTED)
    made = []
    for _ in range(160):
        t = now - timedelta(days=rnd.uniform(0, 760), microseconds=rnd.randrange(10**6))
        state = rnd.choice(STATES)
        accepted = t + timedelta(seconds=rnd.uniform(0, 80 * 3600)) if state != State.RECEIVED and rnd.random() < .9 \
            else None
        resolved = t + timedelta(days=rnd.uniform(0, 9)) if state in (State.RESOLVED, State.FOLLOWED_UP) else None
        made.append(make_request(rnd.choice([a, b, c]), rnd.choice(CATS), received_at=t, kiosk_created_at=t,
                                 state=state, accepted_at=accepted, resolved_at=resolved,
                                 satisfaction=rnd.choice([5, 3, 1]) if state == State.FOLLOWED_UP else None))
    # The ingest's path: one raw executemany, no ORM save.
    rows = []
    for i in range(20):
        t = now - timedelta(days=rnd.uniform(0, 60))
        rows.append({"uuid": uuid.uuid4(), "receipt": f"WJZ3-{i:04d}", "post_id": c.pk, "category": rnd.choice(CATS),
                     "state": State.RECEIVED.value, "content_hash": "x", "kiosk_created_at": t, "received_at": t,
                     "updated_at": t})
    fast_insert(Request, rows)
    _assert_equal(world, now)
    # The workbench's actions, a save that changes nothing counted, a queryset update, a delete.
    fresh = [r for r in made if r.state == State.RECEIVED][:6]
    for r in fresh:
        actions.accept(r, cadre)
    for r in fresh[:4]:
        actions.resolve(r, cadre, "办好了")
    for r, word in zip(fresh[:3], ("满意", "基本满意", "不满意"), strict=True):
        actions.follow_up(r, cadre, word, reason="没人上门" if word == "不满意" else "")
    made[10].public_note = "只改说明"
    made[10].save()
    Request.objects.filter(category="sanitation", post=a).update(category="home_repair")
    Request.objects.filter(pk__in=[made[20].pk, made[21].pk]).delete()
    Request.objects.filter(pk=made[22].pk).update(received_at=now - timedelta(days=400))
    _assert_equal(world, now)
    assert not RequestMonthDelta.objects.exists()      # folded by the reads


def test_rebuild_counts_what_the_triggers_counted(world):
    now = timezone.now()
    for i in range(40):
        make_request(world["a" if i % 2 else "b"], CATS[i % len(CATS)], ago=timedelta(days=i * 9, hours=i),
                     accepted_at=now - timedelta(days=i * 9) if i % 3 else None, state=STATES[i % len(STATES)])
    rollup.fold()
    fields = (*rollup.KEYS, *rollup.SUMS)
    kept = sorted(RequestMonth.objects.values_list(*fields))
    rollup.rebuild()
    assert sorted(RequestMonth.objects.values_list(*fields)) == kept and kept


@pytest.mark.django_db(transaction=True)
def test_triggers_dropped_by_a_later_migration_come_back_at_the_next_migrate(world):
    """SQLite rebuilds a table a migration alters (new table, copy, drop, rename) and its triggers go with the old
    one; after any migrate they are back and the figures count again."""
    from django.core.management import call_command

    now = timezone.now()
    make_request(world["a"], "shopping", ago=timedelta(days=3))
    rollup.uninstall()
    make_request(world["a"], "shopping", ago=timedelta(days=2))   # not followed by the figures: no triggers
    assert not rollup.installed()
    call_command("migrate", verbosity=0)
    assert rollup.installed()
    make_request(world["b"], "home_repair", ago=timedelta(days=1))
    live, kept = _groups(True, Request.objects.all(), now)
    assert kept == live


def test_a_save_that_changes_nothing_counted_appends_nothing(world):
    rollup.fold()
    r = world["ra"]
    r.public_note = "明天上午来"
    r.text = "改了说的话"
    r.save()
    assert not RequestMonthDelta.objects.exists()
    r.state = State.ACCEPTED
    r.accepted_at = timezone.now()
    r.save()
    assert RequestMonthDelta.objects.count() == 2        # -1 for the old version, +1 for the new


def test_the_page_reads_the_kept_figures(world):
    from django.test import Client
    c = Client()
    c.force_login(world["cadre_a"])
    before = c.get("/w/metrics/").context["overall"].total
    make_request(world["a"], "gas_recharge")
    make_request(world["b"], "gas_recharge")          # another post: not the cadre's
    assert c.get("/w/metrics/").context["overall"].total == before + 1
    with connection.cursor() as cur:     # the figures really come from the kept table
        cur.execute("UPDATE workbench_requestmonth SET n = n + 1000 WHERE post_id = %s", [world["a"].pk])
    groups = RequestMonth.objects.filter(post_id=world["a"].pk).count()     # all of this month
    assert c.get("/w/metrics/").context["overall"].total == before + 1 + 1000 * groups


def test_figures_left_by_deleting_a_post_s_requests_do_not_count(world):
    """Between tests SQLite's flush deletes every table in any order: when the figures go first, deleting the
    requests leaves -1 rows for posts that are then deleted too. They must not show on a later page."""
    rollup.fold()
    RequestMonthDelta.objects.all().delete()
    RequestMonth.objects.all().delete()
    from server.core.models import RequestEvent
    from server.workbench.models import Volunteer
    RequestEvent.objects.all().delete()
    Request.objects.all().delete()
    Volunteer.objects.all().delete()
    Post.objects.all().delete()
    assert RequestMonthDelta.objects.exists()            # the -1 rows the delete trigger appended
    p = Post.objects.create(code="WJZ9", name="新阵地")
    make_request(p, "shopping")
    now = timezone.now()
    data = metrics.compute(Request.objects.all(), months=12, now=now, post_ids=True)
    assert data["overall"].total == 1 and [t.name for t in data["by_post"]] == ["新阵地"]
