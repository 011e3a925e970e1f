"""Restore drill on the real parts: requests synced by the real kiosk client to a real `community-server serve`
subprocess, states changed by the real workbench actions, a backup taken while the server serves (and a
kiosk keeps submitting), restored with the real CLI into a new data dir / an empty database."""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from sync.client import SyncClient
from tests.sync.realserver import RealServer, running
from tests.sync.test_e2e import kiosk_services, queue


@pytest.fixture(scope="module")
def pg_cluster():
    from tests import pg

    assert pg.pg_bin(), "PostgreSQL is not installed (scripts/setup --test installs it)"
    root = Path(tempfile.mkdtemp(prefix="ops-pg-"))   # postgres must reach it (not under a root-only tmp)
    url = pg.start(root)
    yield url
    pg.stop(root)


def _database(request, name: str) -> str | None:
    if request.param == "sqlite":
        return None
    from tests import pg

    return pg.create_database(request.getfixturevalue("pg_cluster"), f"ops_{name}_{os.getpid()}")


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request):
    return _database(request, "a"), _database(request, "b")


def state(srv: RealServer) -> dict:
    out = subprocess.run([sys.executable, "-m", "tests.ops.dbstate", "dump"], env=srv.env, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def test_restore_drill(tmp_path, databases):
    first_db, second_db = databases
    with running(tmp_path / "served", first_db) as srv:
        kiosk = kiosk_services(tmp_path, srv.url, srv.token)
        made = queue(kiosk, 50, random.Random(16))
        client = SyncClient(kiosk.outbox, srv.url, srv.token, timeout=10, batch_size=20)
        client.run_once()
        assert kiosk.outbox.counts()["pending"] == 0
        subprocess.run([sys.executable, "-m", "tests.ops.dbstate", "advance"], env=srv.env, check=True, timeout=120)
        before = state(srv)
        assert {r[0] for r in before["requests"]} == {m["uuid"] for m in made}
        assert {r[2] for r in before["requests"]} >= {"received", "accepted", "resolved", "rejected"}

        # a second kiosk keeps submitting while the backup runs: the backup must still be one consistent moment
        busy = kiosk_services(tmp_path, srv.url, srv.token, name="busy")
        stop = threading.Event()

        def keep_submitting():
            rnd = random.Random(7)
            c = SyncClient(busy.outbox, srv.url, srv.token, timeout=10, batch_size=5)
            while not stop.is_set():
                queue(busy, 5, rnd)
                c.run_once()
        writer = threading.Thread(target=keep_submitting)
        writer.start()
        try:
            backup = tmp_path / "community.xfbk"
            done = srv.cli("backup", "--to", str(backup), "--json")
            assert json.loads(done.stdout)["encrypted"] is False
        finally:
            stop.set()
            writer.join(60)
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    restored = RealServer(tmp_path / "restored", second_db)
    r = restored.cli("restore", "--from", str(backup), "--json")
    assert json.loads(r.stdout)["engine"] == ("sqlite" if first_db is None else "postgresql")
    after = state(restored)
    original = {row[0] for row in before["requests"]}
    assert [row for row in after["requests"] if row[0] in original] == before["requests"]
    assert [e for e in after["events"] if e[0] in original] == before["events"]
    # the busy kiosk's requests in the backup: each whole, with its creation event (a consistent snapshot)
    extra = {row[0] for row in after["requests"]} - original
    assert extra <= {e[0] for e in after["events"] if e[2] == "received"}
    assert {e[0] for e in after["events"]} <= {row[0] for row in after["requests"]}

    # the restored data dir serves: the same requests over HTTP
    restored.start()
    try:
        assert {x["uuid"] for x in restored.stored()} == {row[0] for row in after["requests"]}
    finally:
        restored.stop()

    # a second restore onto data refuses without --force and changes nothing
    again = restored.cli("restore", "--from", str(backup), check=False)
    assert again.returncode == 1 and "already holds" in again.stderr
    assert state(restored) == after
    forced = restored.cli("restore", "--from", str(backup), "--force", check=False)
    assert forced.returncode == 0, forced.stderr
    assert state(restored) == after


def test_encrypted_backup(tmp_path):
    with running(tmp_path / "served") as srv:
        kiosk = kiosk_services(tmp_path, srv.url, srv.token)
        queue(kiosk, 5, random.Random(1))
        SyncClient(kiosk.outbox, srv.url, srv.token, timeout=10).run_once()
        before = state(srv)
        secret = tmp_path / "pass"
        secret.write_text("长城 long passphrase 2026\n", encoding="utf-8")
        backup = tmp_path / "enc.xfbk"
        srv.cli("backup", "--to", str(backup), "--passphrase-file", str(secret))
    blob = backup.read_bytes()
    assert blob.startswith(b"XFBK-ENC1\n") and stat.S_IMODE(backup.stat().st_mode) == 0o600
    for name, _, _, contact in before["requests"]:
        assert name.encode() not in blob and contact.encode() not in blob   # nothing readable without the passphrase

    target = RealServer(tmp_path / "restored")
    no_pass = target.cli("restore", "--from", str(backup), check=False)
    assert no_pass.returncode == 1 and "加密" in no_pass.stderr
    wrong = tmp_path / "wrong"
    wrong.write_text("not it")
    bad = target.cli("restore", "--from", str(backup), "--passphrase-file", str(wrong), check=False)
    assert bad.returncode == 1 and "口令不对" in bad.stderr
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 1
    (tmp_path / "flipped.xfbk").write_bytes(bytes(flipped))
    bad = target.cli("restore", "--from", str(tmp_path / "flipped.xfbk"), "--passphrase-file", str(secret), check=False)
    assert bad.returncode == 1
    assert not (tmp_path / "restored" / "community.sqlite3").exists() or state(target)["requests"] == []
    target.cli("restore", "--from", str(backup), "--passphrase-file", str(secret))
    assert state(target) == before
