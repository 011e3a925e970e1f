from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from server.core.models import Request, State
from server.workbench import purge
from server.workbench.models import AuditLog
from tests.workbench.conftest import make_request

pytestmark = pytest.mark.django_db


def test_purge_blanks_only_closed_requests_past_retention(world):
    a = world["a"]
    old = timezone.now() - timedelta(days=200)
    closed_old = make_request(a, state=State.RESOLVED, ago=timedelta(days=210), updated_at=old)
    open_old = make_request(a, ago=timedelta(days=210), updated_at=old)
    closed_new = make_request(a, state=State.FOLLOWED_UP)
    assert purge.purge(180, dry_run=True) == 1
    assert purge.purge(180) == 1
    closed_old.refresh_from_db()
    assert closed_old.personal_data_purged_at and closed_old.contact_name == closed_old.phone == closed_old.text == ""
    assert closed_old.category == "shopping" and closed_old.state == State.RESOLVED   # metrics keep working
    for r in (open_old, closed_new):
        r.refresh_from_db()
        assert r.phone == "13800001234" and r.personal_data_purged_at is None
    assert purge.purge(180) == 0
    assert AuditLog.objects.filter(action="purge").count() == 1


def test_unlabelled_utterances_go_after_the_retention_period_labelled_ones_stay(world):
    import uuid

    from server.voicelearn.models import Utterance
    from server.voicelearn.phrases import purge_unlabelled, snapshot

    now = timezone.now()

    def said(text, days_ago, label=""):
        return Utterance.objects.create(uuid=uuid.uuid4(), post=world["a"], text=text, label=label,
                                        heard_at=now - timedelta(days=days_ago),
                                        received_at=now - timedelta(days=days_ago))
    old = said("屋里的暖壶坏了", 200)
    learned = said("给老伴办个本本", 200, label="welfare_aid")
    recent = said("阳台管管冻住了", 10)
    assert purge_unlabelled(180, dry_run=True) == 1 and Utterance.objects.filter(pk=old.pk).exists()
    assert purge_unlabelled(180) == 1
    assert set(Utterance.objects.values_list("pk", flat=True)) == {learned.pk, recent.pk}
    assert snapshot(world["a"].pk)["phrases"] == {"welfare_aid": ["给老伴办个本本"]}   # kiosks keep learning it
    assert purge_unlabelled(180) == 0


def test_retention_from_environment(monkeypatch):
    monkeypatch.setenv("COMMUNITY_RETENTION_DAYS", "30")
    assert purge.retention_days() == 30
    monkeypatch.setenv("COMMUNITY_RETENTION_DAYS", "soon")
    with pytest.raises(ValueError, match="COMMUNITY_RETENTION_DAYS"):
        purge.retention_days()


def test_purge_and_add_volunteer_commands(tmp_path):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def run(*a):
        return subprocess.run([sys.executable, "-m", "server.cli", *a], env=env, capture_output=True, text=True,
                              timeout=120)
    r = run("purge", "--days", "30", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == {"purged": 0, "due": 0, "utterances": 0,
                                                          "retention_days": 30, "dry_run": False}
    r = run("purge", "--days", "0")
    assert r.returncode == 1 and r.stderr.strip().startswith("community-server: error:")
    assert len(r.stderr.strip().splitlines()) == 1
    assert run("add-post", "--code", "WJZ1", "--name", "王家庄").returncode == 0
    r = run("add-volunteer", "--username", "zhao", "--name", "赵师傅", "--post", "WJZ1", "--skill", "nope")
    assert r.returncode == 1 and "unknown category 'nope'" in r.stderr
    r = run("add-volunteer", "--username", "zhao", "--name", "赵师傅", "--post", "WJZ1", "--skill", "home_repair",
            "--kind", "merchant", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["name"] == "赵师傅"
    r = run("grant", "--username", "zhao", "--role", "teacher", "--post", "WJZ1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == {"username": "zhao", "role": "teacher", "granted": True,
                                                          "posts": ["WJZ1"]}
    r = run("grant", "--username", "nobody", "--role", "admin")
    assert r.returncode == 1 and "no user 'nobody'" in r.stderr
    r = run("export", "--format", "csv")
    assert r.returncode == 0 and r.stdout.startswith("回执号,")
    assert not Request.objects.exists()    # the subprocess used its own database
