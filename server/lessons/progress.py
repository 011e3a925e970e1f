"""Kind "lesson_progress" of the kiosks' batch submit: attendance and progress, each stored at most once.

Item (flat, as the outbox sends it): uuid, lesson_id, outcome (finished | again | practice_ok | attended),
at (ISO time), learner {uuid, name, building?, unit?, room?} or null, session {uuid, lesson_id, started_at}
or null. The learner and the session are created on first sight, so a class held offline syncs later.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

from django.db import IntegrityError, transaction

from server.lessons.catalog import server_lessons
from server.lessons.models import Attendance, ClassSession, Learner, Outcome, Progress

FIELDS = {"kind", "uuid", "lesson_id", "outcome", "at", "learner", "session"}


def _uuid(value) -> uuidlib.UUID:
    return uuidlib.UUID(str(value))


def _time(value) -> datetime:
    t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("time without offset")
    return t


def validate(item: dict, lesson_ids) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field in set(item) - FIELDS:
        errors[field] = "unknown field"
    try:
        _uuid(item.get("uuid"))
    except ValueError:
        errors["uuid"] = "must be a UUID"
    if item.get("lesson_id") not in lesson_ids:
        errors["lesson_id"] = f"unknown lesson {item.get('lesson_id')!r}"
    if item.get("outcome") not in Outcome.values:
        errors["outcome"] = f"must be one of {', '.join(Outcome.values)}"
    try:
        _time(item.get("at"))
    except (TypeError, ValueError):
        errors["at"] = "must be an ISO 8601 time with offset"
    learner, session = item.get("learner"), item.get("session")
    if learner is not None:
        if not isinstance(learner, dict) or not str(learner.get("name") or "").strip() or len(str(learner["name"])) > 50:
            errors["learner"] = "needs a name of 1 to 50 characters"
        else:
            try:
                _uuid(learner.get("uuid"))
            except ValueError:
                errors["learner"] = "needs a uuid"
    if session is not None:
        try:
            _uuid(session.get("uuid"))
            _time(session.get("started_at"))
        except (AttributeError, TypeError, ValueError):
            errors["session"] = "needs uuid and started_at"
    if item.get("outcome") == Outcome.ATTENDED and (learner is None or session is None):
        errors["outcome"] = "attended needs a learner and a session"
    return errors


def handle_progress(kiosk, item: dict) -> dict:
    uid = str(item.get("uuid"))
    errors = validate(item, server_lessons().keys())
    if errors:
        return {"uuid": uid, "status": "rejected",
                "reason": "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))}
    if Progress.objects.filter(uuid=uid).exists():
        return {"uuid": uid, "status": "duplicate"}
    post = kiosk.post
    try:
        with transaction.atomic():
            learner = session = None
            if item.get("learner"):
                lr = item["learner"]
                learner, _ = Learner.objects.get_or_create(uuid=_uuid(lr["uuid"]), defaults={
                    "post": post, "name": str(lr["name"]).strip()[:50], "building": str(lr.get("building") or "")[:20],
                    "unit": str(lr.get("unit") or "")[:20], "room": str(lr.get("room") or "")[:20]})
            if item.get("session"):
                s = item["session"]
                session, _ = ClassSession.objects.get_or_create(uuid=_uuid(s["uuid"]), defaults={
                    "post": post, "kiosk": kiosk, "lesson_id": s.get("lesson_id") or item["lesson_id"],
                    "started_at": _time(s["started_at"])})
            if session and learner:
                Attendance.objects.get_or_create(session=session, learner=learner)
            Progress.objects.create(uuid=uid, post=post, learner=learner, session=session,
                                    lesson_id=item["lesson_id"], outcome=item["outcome"], at=_time(item["at"]))
    except IntegrityError:   # the same item arrived twice at once
        return {"uuid": uid, "status": "duplicate"}
    return {"uuid": uid, "status": "created"}
