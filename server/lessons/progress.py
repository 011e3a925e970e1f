"""Kind "lesson_progress" of the kiosks' batch submit: attendance and progress, each stored at most once.

The item's schema is sync/protocol.py (validate_lesson_progress), shared with the kiosk that builds it.
The learner and the session are created on first sight, so a class held offline syncs later.
"""

from __future__ import annotations

import uuid as uuidlib

from django.db import IntegrityError, transaction

from server.lessons.catalog import server_lessons
from server.lessons.models import Attendance, ClassSession, Learner, Progress
from sync import protocol


def _uuid(value) -> uuidlib.UUID:
    return uuidlib.UUID(str(value))


def handle_progress(kiosk, item: dict) -> dict:
    uid = item.get("uuid") if isinstance(item.get("uuid"), str) else None
    errors = protocol.validate_lesson_progress(item, server_lessons().keys())
    if errors:
        return {"uuid": uid, "status": protocol.REJECTED, "fields": errors,
                "reason": "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))}
    uid = uid.lower()
    if Progress.objects.filter(uuid=uid).exists():
        return {"uuid": uid, "status": protocol.DUPLICATE}
    post = kiosk.post
    try:
        with transaction.atomic():
            learner = session = None
            if item.get("learner"):
                lr = item["learner"]
                learner, _ = Learner.objects.get_or_create(uuid=_uuid(lr["uuid"]), defaults={
                    "post": post, "name": lr["name"].strip(), "building": lr.get("building") or "",
                    "unit": lr.get("unit") or "", "room": lr.get("room") or ""})
            if item.get("session"):
                s = item["session"]
                session, _ = ClassSession.objects.get_or_create(uuid=_uuid(s["uuid"]), defaults={
                    "post": post, "kiosk": kiosk, "lesson_id": s.get("lesson_id") or item["lesson_id"],
                    "started_at": protocol.parse_time(s["started_at"])})
            if session and learner:
                Attendance.objects.get_or_create(session=session, learner=learner)
            Progress.objects.create(uuid=uid, post=post, learner=learner, session=session,
                                    lesson_id=item["lesson_id"], outcome=item["outcome"], at=protocol.parse_time(item["at"]))
    except IntegrityError:   # the same item arrived twice at once
        return {"uuid": uid, "status": protocol.DUPLICATE}
    return {"uuid": uid, "status": protocol.CREATED}
