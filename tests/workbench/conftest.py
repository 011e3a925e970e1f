from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from server.core.models import Post, Request
from server.workbench.models import Volunteer

_seq = itertools.count(1000)


def make_request(post, category="shopping", *, ago=timedelta(0), **kw) -> Request:
    now = timezone.now() - ago
    n = next(_seq)
    defaults = dict(uuid=uuid.uuid4(), receipt=f"{post.code}{n}", post=post, category=category,
                    contact_name="王奶奶", building="3号楼", unit="2单元", room="501", phone="13800001234",
                    text="想请人帮忙买米", content_hash="x", kiosk_created_at=now, received_at=now, updated_at=now)
    defaults.update(kw)
    return Request.objects.create(**defaults)


@pytest.fixture
def world(db):
    """Two posts, a cadre each, an admin, a volunteer of post A, requests on both posts."""
    a = Post.objects.create(code="WJZ1", name="王家庄一号阵地")
    b = Post.objects.create(code="WJZ2", name="王家庄二号阵地")
    cadre_a = User.objects.create_user("cadre_a", password="pass-word-a", first_name="张干部")
    cadre_b = User.objects.create_user("cadre_b", password="pass-word-b", first_name="李干部")
    a.cadres.add(cadre_a)
    b.cadres.add(cadre_b)
    admin = User.objects.create_user("admin", password="pass-word-admin", is_superuser=True)
    vu = User.objects.create_user("vol", password="pass-word-vol", first_name="赵志愿")
    vol = Volunteer.objects.create(user=vu, name="赵志愿", skills=["shopping"])
    vol.posts.add(a)
    return {"a": a, "b": b, "cadre_a": cadre_a, "cadre_b": cadre_b, "admin": admin, "vol": vol,
            "ra": make_request(a), "rb": make_request(b, "home_repair")}
