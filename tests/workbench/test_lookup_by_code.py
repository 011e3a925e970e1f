"""A code a cadre gave by phone (干部代录) is found by the post's kiosk through GET /api/v1/kiosk/lookup, the
kiosk's 查进度 fallback for codes it never held (issue 15.2); never by another post's kiosk."""

from __future__ import annotations

import pytest
from django.test import Client

from server.core.models import Kiosk, Request


@pytest.mark.django_db
def test_a_code_a_cadre_gave_by_phone_is_found_by_the_posts_kiosk(world):
    c = Client()
    c.force_login(world["cadre_a"])
    c.post("/w/requests/new/", {"post": world["a"].pk, "channel": "phone", "category": "home_repair",
                                "contact_name": "马爷爷", "room": "201", "phone": "13900004321"})

    code = Request.objects.get(contact_name="马爷爷").receipt
    _, token = Kiosk.issue(world["a"], "一号终端")
    _, foreign = Kiosk.issue(world["b"], "外阵地终端")
    ask = Client()
    r = ask.get("/api/v1/kiosk/lookup", {"receipt": code}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200
    assert r.json()["matches"] == [{"receipt": code, "category": "home_repair", "state": "received",
                                    "state_label": "社区已收到", "public_note": ""}]
    assert "马爷爷" not in r.content.decode() and "4321" not in r.content.decode()
    other = ask.get("/api/v1/kiosk/lookup", {"receipt": code}, HTTP_AUTHORIZATION=f"Bearer {foreign}")
    assert other.status_code == 200 and other.json()["matches"] == []
    bad = ask.get("/api/v1/kiosk/lookup", {"receipt": "nope"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bad.status_code == 422 and bad.json()["protocol"] == 1
