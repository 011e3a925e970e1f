"""Kiosk API of the lessons (mounted at /api/v1/lessons/, kiosk bearer token).

POST practice            {lesson_id} -> {token, path, expires_at}: a one-time practice-pay code
GET  practice/{token}    -> {state: new | scanned | done | expired}; the kiosk polls it (<= every 0.5 s)
GET  roster              -> learners of the kiosk's post [{uuid, name, building, unit, room}]
GET  catalog             -> [{id, version, title}] so kiosks download newer lessons
GET  catalog/{lesson_id} -> the lesson's data (same fields as its TOML file)
"""

from __future__ import annotations

from ninja import Router, Schema
from ninja.errors import HttpError

from server.api.auth import KioskAuth
from server.lessons.catalog import server_lessons
from server.lessons.models import Learner, PracticeToken

router = Router(auth=KioskAuth(), tags=["lessons"])


class PracticeIn(Schema):
    lesson_id: str


@router.post("/practice")
def new_practice(request, body: PracticeIn):
    if body.lesson_id not in server_lessons():
        raise HttpError(404, f"unknown lesson {body.lesson_id!r}")
    pt = PracticeToken.issue(request.auth.post, request.auth, body.lesson_id)
    return {"token": pt.token, "path": f"/p/{pt.token}", "expires_at": pt.expires_at.isoformat()}


@router.get("/practice/{token}")
def practice_state(request, token: str):
    pt = PracticeToken.objects.filter(token=token, post=request.auth.post).first()
    if pt is None:
        raise HttpError(404, "unknown practice token")
    return {"state": pt.state, "lesson_id": pt.lesson_id}


@router.get("/roster")
def roster(request):
    return [{"uuid": str(x.uuid), "name": x.name, "building": x.building, "unit": x.unit, "room": x.room}
            for x in Learner.objects.filter(post=request.auth.post).order_by("name", "id")]


@router.get("/catalog")
def catalog(request):
    return [{"id": x.id, "version": x.version, "title": x.title} for x in server_lessons().values()]


@router.get("/catalog/{lesson_id}")
def lesson(request, lesson_id: str):
    found = server_lessons().get(lesson_id)
    if found is None:
        raise HttpError(404, f"unknown lesson {lesson_id!r}")
    return found.to_data()
