"""Issue 11.4: a stolen kiosk can be revoked by the name on its sticker or its id, from the command line and
from the 终端 page (admin, or cadre of that post, after a confirmation); names are unique per post."""

from __future__ import annotations

import uuid

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from server.core.models import Kiosk, Post
from server.workbench.models import AuditLog
from sync import protocol
from tests.sync.realserver import running


def _submit(srv, token):
    item = {"kind": "request", "uuid": str(uuid.uuid4()), "receipt": "WJZ1-0001", "category": "shopping",
            "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00", "name": "张奶奶"}
    return requests.post(srv.url + protocol.SUBMIT_PATH, json={"protocol": 1, "items": [item]},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_cli_names_are_unique_per_post_and_a_stolen_kiosk_is_revoked_by_name_or_id(tmp_path):
    with running(tmp_path, kiosk=False) as srv:
        srv.cli("add-post", "--code", "WJZ1", "--name", "一号")
        srv.cli("add-post", "--code", "WJZ2", "--name", "二号")
        one = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "一号机")
        r = srv.cli("add-kiosk", "--post", "WJZ1", "--name", "一号机", check=False)
        assert r.returncode == 1 and "already has a kiosk named" in r.stderr
        other = srv.cli_json("add-kiosk", "--post", "WJZ2", "--name", "一号机")    # another post may use it
        assert _submit(srv, one["token"]).status_code == 200
        r = srv.cli("revoke-kiosk", "--name", "一号机", check=False)
        assert r.returncode == 1 and "--post" in r.stderr and r.stderr.count("\n") == 1
        out = srv.cli_json("revoke-kiosk", "--name", "一号机", "--post", "WJZ1")
        assert out["id"] == one["id"] and out["revoked_at"]
        assert _submit(srv, one["token"]).status_code == 403                 # the thief's kiosk is out
        assert _submit(srv, other["token"]).status_code == 200                # the other post's kiosk still works
        r = srv.cli("rename-kiosk", "--id", str(other["id"]), "--to", "二号阵地一号机", "--json")
        assert r.returncode == 0
        rows = {k["id"]: k for k in srv.cli_json("kiosks")}
        assert rows[other["id"]]["kiosk"] == "二号阵地一号机" and rows[one["id"]]["revoked"] is True
        srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "二号机")
        r = srv.cli("rename-kiosk", "--name", "二号机", "--to", "一号机", check=False)     # taken in WJZ1
        assert r.returncode == 1 and "已经有一台终端叫" in r.stderr
        assert srv.cli_json("revoke-kiosk", "--id", str(other["id"]))["revoked_at"]
        assert _submit(srv, other["token"]).status_code == 403


@pytest.mark.django_db
def test_the_kiosk_page_revokes_after_confirmation_and_says_what_the_kiosk_still_held():
    a = Post.objects.create(code="WJZ1", name="一号")
    b = Post.objects.create(code="WJZ2", name="二号")
    ka, token = Kiosk.issue(a, "一号机")
    kb, _ = Kiosk.issue(b, "二号机")
    Kiosk.objects.filter(pk=ka.pk).update(last_seen=timezone.now(), queue_length=3)
    cadre = User.objects.create_user("cadre_a", password="pass-word-a")
    a.cadres.add(cadre)
    c = Client()
    c.force_login(cadre)
    assert c.get(f"/w/kiosks/{kb.pk}/").status_code == 404                  # another post's kiosk
    assert c.post(f"/w/kiosks/{kb.pk}/", {"op": "revoke", "confirm": "yes"}).status_code == 404
    page = c.get(f"/w/kiosks/{ka.pk}/").content.decode()
    assert "还有 3 件诉求没有上传" in page and "确认停用" in page
    r = c.post(f"/w/kiosks/{ka.pk}/", {"op": "revoke"})                     # no confirmation ticked
    assert r.status_code == 400 and "请先勾选" in r.content.decode()
    ka.refresh_from_db()
    assert not ka.revoked
    r = c.post(f"/w/kiosks/{ka.pk}/", {"op": "revoke", "confirm": "yes"}, follow=True)
    assert "已停用" in r.content.decode() and "3 件诉求没有上传" in r.content.decode()
    ka.refresh_from_db()
    kb.refresh_from_db()
    assert ka.revoked and not kb.revoked
    assert Kiosk.authenticate(token).revoked
    r = c.post(f"/w/kiosks/{ka.pk}/", {"op": "rename", "name": "被偷的一号机"})
    assert r.status_code == 302
    Kiosk.issue(a, "三号机")
    r = c.post(f"/w/kiosks/{ka.pk}/", {"op": "rename", "name": "三号机"})
    assert r.status_code == 400 and "已经有一台终端叫" in r.content.decode()
    assert AuditLog.objects.filter(action="kiosk", detail__contains="吊销终端 一号机").exists()
    admin = User.objects.create_user("boss", password="pass-word-b", is_superuser=True)
    c.force_login(admin)
    assert c.post(f"/w/kiosks/{kb.pk}/", {"op": "revoke", "confirm": "yes"}).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_kiosks_that_share_a_name_in_a_post():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("core", "0003_receipt_unique_while_personal_data")]
    ex = MigrationExecutor(connection)
    ex.migrate(before)
    apps = ex.loader.project_state(before).apps
    OldPost, OldKiosk = apps.get_model("core", "Post"), apps.get_model("core", "Kiosk")
    p = OldPost.objects.create(code="WJZ1", name="一号")
    q = OldPost.objects.create(code="WJZ2", name="二号")
    for n, post in enumerate((p, p, p, q)):
        OldKiosk.objects.create(post=post, name="一号机", token_hash=f"h{n}")
    ex = MigrationExecutor(connection)
    ex.migrate(ex.loader.graph.leaf_nodes())
    names = sorted(Kiosk.objects.values_list("post__code", "name"))
    assert names == [("WJZ1", "一号机"), ("WJZ1", "一号机-2"), ("WJZ1", "一号机-3"), ("WJZ2", "一号机")]
