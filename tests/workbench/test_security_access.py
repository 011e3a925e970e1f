"""Issue 11.1 and 11.5: nobody types another person's password; a cadre issues access only to plain
volunteers of their own posts, as a one-time link; teachers see their posts' classes, volunteers get 404."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client

from server.workbench import roles
from server.workbench.models import AuditLog, Volunteer

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _volunteer_login(world, user, posts) -> Volunteer:
    vol = Volunteer.objects.create(user=user, name=user.first_name or user.username)
    vol.posts.add(*posts)
    return vol


def test_cadre_of_post_a_cannot_take_over_cadre_b_or_the_admin_through_the_volunteer_form(world):
    """The exact attack: post B's cadre (and the admin) also volunteer in post A; A's cadre opens their volunteer
    record and types a username and password. Neither login changes; issuing access is refused."""
    a, c = world["a"], client_for(world["cadre_a"])
    for victim, old_password in ((world["cadre_b"], "pass-word-b"), (world["admin"], "pass-word-admin")):
        vol = _volunteer_login(world, victim, [a])
        before = User.objects.get(pk=victim.pk).password
        page = c.get(f"/w/volunteers/{vol.pk}/").content.decode()
        assert "您不能为它发放登录" in page and 'name="password"' not in page
        r = c.post(f"/w/volunteers/{vol.pk}/", {"name": "改了", "kind": "volunteer", "posts": [a.pk], "active": "on",
                                                "username": "taken", "password": "taken-over-1"})
        assert r.status_code == 302
        victim.refresh_from_db()
        assert victim.password == before and victim.username != "taken" and victim.check_password(old_password)
        assert not Client().login(username="taken", password="taken-over-1")
        r = c.post(f"/w/volunteers/{vol.pk}/access", follow=True)
        assert "您不能为它发放登录" in r.content.decode() and "/w/access/" not in r.content.decode()
        victim.refresh_from_db()
        assert victim.password == before
        assert AuditLog.objects.filter(action="refused", detail__contains=victim.username).exists()


def test_a_volunteer_shared_with_another_post_or_a_teacher_is_not_the_cadres_to_reset(world):
    a, b, c = world["a"], world["b"], client_for(world["cadre_a"])
    vol = world["vol"]
    vol.posts.add(b)                                 # also volunteers for post B
    assert not roles.may_issue_access(world["cadre_a"], vol.user)
    assert roles.may_issue_access(world["admin"], vol.user)
    vol.posts.remove(b)
    assert roles.may_issue_access(world["cadre_a"], vol.user)
    roles.make_teacher(vol.user, [a])
    assert not roles.may_issue_access(world["cadre_a"], vol.user)
    assert c.post(f"/w/volunteers/{vol.pk}/access").status_code == 302
    assert vol.user.check_password("pass-word-vol")


def test_access_is_a_one_time_link_the_volunteer_uses_to_set_their_own_password(world):
    vol, c = world["vol"], client_for(world["cadre_a"])
    page = c.get(f"/w/volunteers/{vol.pk}/").content.decode()
    assert "生成一次性设置密码链接" in page and 'type="password"' not in page
    r = c.post(f"/w/volunteers/{vol.pk}/access")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store" and "<svg" in r.content.decode()
    link = re.search(r'<code id="access-link">http://testserver(/w/access/[^<]+)</code>', r.content.decode()).group(1)
    vol.user.refresh_from_db()
    assert not vol.user.has_usable_password()          # the old password no longer works
    phone = Client()
    r = phone.get(link, follow=True)
    assert "设置自己的密码" in r.content.decode() and "/set-password/" in r.redirect_chain[-1][0]
    form_url = r.redirect_chain[-1][0]
    r = phone.post(form_url, {"new_password1": "a", "new_password2": "a"})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()        # the web's password rule
    r = phone.post(form_url, {"new_password1": "zhao-own-pw-9", "new_password2": "zhao-own-pw-9"}, follow=True)
    assert "密码已设置好" in r.content.decode()
    assert Client().login(username="vol", password="zhao-own-pw-9")
    again = Client().get(link, follow=True).content.decode()
    assert "已经用过或过期" in again                      # one time only
    details = list(AuditLog.objects.filter(action="credential").values_list("detail", flat=True))
    assert any("发放一次性设置密码链接" in d for d in details) and any("设置了自己的密码" in d for d in details)


def test_a_new_volunteer_has_no_password_until_they_set_one(world):
    a, c = world["a"], client_for(world["cadre_a"])
    r = c.post("/w/volunteers/new/", {"name": "钱师傅", "kind": "merchant", "posts": [a.pk], "username": "qian",
                                      "password": "qian-pass-1", "active": "on"})
    assert r.status_code == 302
    qian = User.objects.get(username="qian")
    assert not qian.has_usable_password()
    # The web cannot attach a login that already exists.
    r = c.post("/w/volunteers/new/", {"name": "冒名", "kind": "volunteer", "posts": [a.pk], "username": "cadre_b",
                                      "active": "on"})
    assert r.status_code == 200 and "已经有人用了" in r.content.decode()


def _cli(tmp_path, *args):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.django_db(False)
def test_cli_add_volunteer_of_an_existing_login_never_touches_its_password(tmp_path):
    assert _cli(tmp_path, "add-post", "--code", "WJZ1", "--name", "一号").returncode == 0
    assert _cli(tmp_path, "add-post", "--code", "WJZ2", "--name", "二号").returncode == 0
    made = json.loads(_cli(tmp_path, "add-user", "--username", "cadre_b", "--post", "WJZ2", "--json").stdout)
    r = _cli(tmp_path, "add-volunteer", "--username", "cadre_b", "--name", "李", "--post", "WJZ1",
             "--password", "taken-over-1")
    assert r.returncode == 2 and "--password" in r.stderr           # the option is gone
    r = _cli(tmp_path, "add-volunteer", "--username", "cadre_b", "--name", "改名", "--post", "WJZ1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["created"] is False
    # The cadre's own password and name are untouched and the login still serves only post B.
    code = ("import django,os;os.environ['DJANGO_SETTINGS_MODULE']='server.settings';django.setup();"
            "from django.contrib.auth.models import User;u=User.objects.get(username='cadre_b');"
            f"print(u.check_password({made['password']!r}), repr(u.first_name), list(u.posts.values_list('code',flat=True)))")
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "''", "['WJZ2']"], out.stderr
    link = json.loads(_cli(tmp_path, "issue-access", "--username", "cadre_b", "--url", "http://10.0.0.5:8700",
                           "--json").stdout)["link"]
    assert re.fullmatch(r"http://10\.0\.0\.5:8700/w/access/[^/]+/[^/]+/", link)


def test_teachers_see_their_posts_classes_and_a_volunteer_gets_404(world):
    import uuid

    from django.utils import timezone

    from server.lessons.models import ClassSession

    a, b = world["a"], world["b"]
    mine = ClassSession.objects.create(uuid=uuid.uuid4(), post=a, lesson_id="video_call", started_at=timezone.now())
    other = ClassSession.objects.create(uuid=uuid.uuid4(), post=b, lesson_id="taxi", started_at=timezone.now())
    teacher = User.objects.create_user("teacher", password="teach-pass-1")
    roles.make_teacher(teacher, [a])
    c = client_for(teacher)
    page = c.get("/lessons/").content.decode()
    assert "还没有上课记录" not in page and "微信视频通话" in page
    assert c.get(f"/lessons/sessions/{mine.pk}/").status_code == 200
    assert c.get(f"/lessons/sessions/{other.pk}/").status_code == 404
    vc = client_for(world["vol"].user)
    assert vc.get("/lessons/").status_code == 404
    assert vc.get(f"/lessons/sessions/{mine.pk}/").status_code == 404
