"""Kiosk API of the lessons (mounted at /api/v1/lessons/, kiosk bearer token), inside the protocol's envelope:
every answer carries "protocol": 1 and every error is {"protocol", "error", "detail"} (server.api.api).

POST practice            {lesson_id} -> {token, path, expires_at}: a one-time practice-pay code
GET  practice/{token}    -> {state: new | scanned | done | expired}; the kiosk polls it (<= every 0.5 s)
GET  roster              -> {learners: [{uuid, name, building, unit, room}]} of the kiosk's post
GET  catalog             -> {lessons: [{id, version, title}]} so kiosks download newer lessons
GET  catalog/{lesson_id} -> {lesson: the lesson's data (same fields as its TOML file)}
"""

from __future__ import annotations

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from server.api.auth import KioskAuth
from server.lessons.catalog import server_lessons
from server.lessons.models import Learner, PracticeToken
from sync.protocol import LESSON_ID_MAX, PROTOCOL_VERSION

router = Router(auth=KioskAuth(), tags=["lessons"])


class PracticeIn(Schema):
    lesson_id: str = Field(max_length=LESSON_ID_MAX)


def _ok(**data) -> dict:
    return {"protocol": PROTOCOL_VERSION, **data}


@router.post("/practice")
def new_practice(request, body: PracticeIn):
    if body.lesson_id not in server_lessons():
        raise HttpError(404, "unknown lesson")
    pt = PracticeToken.issue(request.auth.post, request.auth, body.lesson_id)
    return _ok(token=pt.token, path=f"/p/{pt.token}", expires_at=pt.expires_at.isoformat())


@router.get("/practice/{token}")
def practice_state(request, token: str):
    pt = PracticeToken.objects.filter(token=token, post=request.auth.post).first()
    if pt is None:
        raise HttpError(404, "unknown practice token")
    return _ok(state=pt.state, lesson_id=pt.lesson_id)


@router.get("/roster")
def roster(request):
    return _ok(learners=[{"uuid": str(x.uuid), "name": x.name, "building": x.building, "unit": x.unit,
                          "room": x.room} for x in Learner.objects.filter(post=request.auth.post).order_by("name", "id")])


@router.get("/catalog")
def catalog(request):
    return _ok(lessons=[{"id": x.id, "version": x.version, "title": x.title} for x in server_lessons().values()])


@router.get("/catalog/{lesson_id}")
def lesson(request, lesson_id: str):
    found = server_lessons().get(lesson_id)
    if found is None:
        raise HttpError(404, "unknown lesson")
    return _ok(lesson=found.to_data())
