"""Personal data of closed requests is kept only for a retention period (DESIGN.md §4), then blanked.

The request itself stays (metrics need category, state and times); name, address, phone and the
resident's own words go. COMMUNITY_RETENTION_DAYS sets the period (default 180 days).
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from server.core.models import CLOSED_STATES, Request
from server.workbench.models import AuditLog

PERSONAL_FIELDS = ("contact_name", "building", "unit", "room", "phone", "text")


def retention_days() -> int:
    raw = os.environ.get("COMMUNITY_RETENTION_DAYS", "180")
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"COMMUNITY_RETENTION_DAYS must be a whole number of days, got {raw!r}") from None
    if days < 1:
        raise ValueError(f"COMMUNITY_RETENTION_DAYS must be at least 1, got {days}")
    return days


def due_for_purge(days: int, now=None):
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Request.objects.filter(state__in=CLOSED_STATES, personal_data_purged_at__isnull=True).filter(
        Q(updated_at__lt=cutoff))


def purge(days: int | None = None, *, dry_run: bool = False, now=None) -> int:
    days = retention_days() if days is None else days
    now = now or timezone.now()
    qs = due_for_purge(days, now)
    if dry_run:
        return qs.count()
    with transaction.atomic():
        ids = list(qs.values_list("id", flat=True))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            Request.objects.filter(id__in=chunk).update(personal_data_purged_at=now,
                                                         **{f: "" for f in PERSONAL_FIELDS})
        if ids:
            AuditLog.objects.create(at=now, action="purge", detail=f"清除 {len(ids)} 件已结束诉求的个人信息"
                                                                   f"（保存期 {days} 天）")
    return len(ids)
