"""The updates cursor must never skip an event: on PostgreSQL event ids become visible in commit order
because every writer of events takes one transaction-level advisory lock first (server/api/apps.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from server.core.models import Post, Request, RequestEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite serialises all writers already")
def test_a_second_event_writer_waits_for_the_first_to_commit():
    post = Post.objects.create(code="WJZ1", name="王家庄")
    req = Request.objects.create(uuid="00000000-0000-4000-8000-000000000001", receipt="WJZ1-0001", post=post,
                                 category="message", content_hash="x", kiosk_created_at="2026-11-28T09:00:00+08:00")
    holding, release, outcome = threading.Event(), threading.Event(), []

    def first_writer():
        try:
            with transaction.atomic():
                RequestEvent.objects.create(request=req, to_state="accepted")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    t = threading.Thread(target=first_writer)
    t.start()
    assert holding.wait(30)
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '300ms'")
            RequestEvent.objects.create(request=req, to_state="assigned")
        outcome.append("wrote")
    except OperationalError as exc:
        outcome.append("waited" if "lock timeout" in str(exc) else str(exc))
    release.set()
    t.join(30)
    assert outcome == ["waited"]          # could not take an id while an earlier one was uncommitted
    RequestEvent.objects.create(request=req, to_state="assigned")   # free once the first committed
    states = list(RequestEvent.objects.order_by("id").values_list("to_state", flat=True))
    assert states == ["accepted", "assigned"]
