"""Against the real `community-server serve` subprocess: the practice loop (the test plays the phone with
requests), the lesson catalog sync, and a class's attendance and progress through the real outbox and sync
client, stored exactly once even when the same batch is sent again."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
import requests

from kiosk import config as kconfig
from screens.lesson_session import LessonService
from sync import protocol
from sync.client import LessonsClient, LessonsClientError, PracticeWatcher, SyncClient
from sync.lessons import LESSONS_DIR, load_file, load_lessons
from sync.outbox import Outbox
from tests.sync.realserver import running


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running(tmp_path_factory.mktemp("lessons-srv")) as srv:
        yield srv


def phone_pays(url: str) -> requests.Response:
    """A phone: open the scanned address, then press 确认付款 (the form's CSRF token and cookie, as a browser)."""
    phone = requests.Session()
    page = phone.get(url, timeout=10)
    assert page.status_code == 200 and "练习" in page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return phone.post(url, data={"csrfmiddlewaretoken": csrf}, headers={"Referer": url}, timeout=10)


def test_practice_loop_kiosk_learns_the_phone_paid(server):
    client = LessonsClient(server.url, server.token)
    practice = client.new_practice("scan_pay")
    url = server.url + practice["path"]
    states: list[tuple[str, float]] = []
    events = {s: threading.Event() for s in ("new", "scanned", "done", "expired")}

    def on_state(state):
        states.append((state, time.monotonic()))
        events.get(state, threading.Event()).set()

    watcher = PracticeWatcher(client, practice["token"], on_state).start()
    scanned, done = events["scanned"], events["done"]
    try:
        assert events["new"].wait(10), states    # the kiosk shows the code before anyone scans it
        phone = requests.Session()
        page = phone.get(url, timeout=10)
        assert page.status_code == 200 and "确认付款（练习）" in page.text and "不会扣钱" in page.text
        assert scanned.wait(10), states
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        paid_at = time.monotonic()
        ok = phone.post(url, data={"csrfmiddlewaretoken": csrf}, headers={"Referer": url}, timeout=10)
        assert ok.status_code == 200 and "支付成功（练习）" in ok.text
        assert done.wait(10), states
    finally:
        watcher.stop()
    assert [s for s, _ in states] == ["new", "scanned", "done"]
    print(f"kiosk learned of the payment {states[-1][1] - paid_at:.3f} s after the phone's confirm")
    assert client.practice_state(practice["token"]) == "done"
    reused = requests.get(url, timeout=10)
    assert reused.status_code == 410 and "已经用过了" in reused.text
    with pytest.raises(LessonsClientError):
        LessonsClient(server.url, "k_wrong").new_practice("scan_pay")
    with pytest.raises(LessonsClientError):
        client.new_practice("no_such_lesson")


def test_catalog_sync_downloads_only_newer_lessons(server, tmp_path):
    client = LessonsClient(server.url, server.token)
    local = load_lessons()
    assert client.sync_catalog(tmp_path, local) == []
    # The community updates one lesson on the server (a file in its data dir), no kiosk reinstall.
    data = load_file(LESSONS_DIR / "wifi.toml").to_data()
    data.update(version=data["version"] + 1, title="连上家里的网")
    (server.data / "lessons").mkdir(exist_ok=True)
    (server.data / "lessons" / "wifi.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert client.sync_catalog(tmp_path, local) == ["wifi"]
    assert load_lessons(tmp_path)["wifi"].title == "连上家里的网"
    assert client.sync_catalog(tmp_path, load_lessons(tmp_path)) == []
    assert requests.get(server.url + "/l/wifi", timeout=10).text.count("连上家里的网") >= 1


def _count_rows(server) -> dict:
    code = ("from server.cli import setup_django; setup_django(migrate=False);"
            "from server.lessons.models import *; import json;"
            "print(json.dumps({'learners': Learner.objects.count(), 'sessions': ClassSession.objects.count(),"
            "'attendance': Attendance.objects.count(),"
            "'progress': sorted(Progress.objects.values_list('outcome', flat=True))}))")
    r = subprocess.run([sys.executable, "-c", code], env=server.env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_class_attendance_and_progress_arrive_exactly_once(server, tmp_path):
    cfg = kconfig.parse({"server": {"url": server.url, "token": server.token}, "kiosk": {"data_dir": str(tmp_path)}})
    outbox = Outbox(tmp_path / "outbox.sqlite3", "WJZ1")
    svc = LessonService(SimpleNamespace(config=cfg, outbox=outbox, sync=None))
    learners = [{"uuid": "5b0f2b4e-8d63-4a4e-9a53-3c1fb0d1e001", "name": "李桂兰", "building": "3号楼"},
                {"uuid": "5b0f2b4e-8d63-4a4e-9a53-3c1fb0d1e002", "name": "王建国", "building": "1号楼"}]
    svc.start_class("scan_pay", learners)
    svc.record("practice_ok", [learners[0]])
    assert svc.record("finished") == 2
    items = outbox.due(100)
    assert len(items) == 5 and {i["kind"] for i in items} == {"lesson_progress"}
    sync = SyncClient(outbox, server.url, server.token, timeout=5)
    assert sync.send()["sent"] == 5
    assert outbox.counts()["pending"] == 0
    # The acknowledgement got lost: the kiosk sends the very same batch again.
    again = requests.post(server.url + protocol.SUBMIT_PATH, json={"protocol": protocol.PROTOCOL_VERSION, "items": items},
                          headers={"Authorization": f"Bearer {server.token}"}, timeout=10).json()
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    rows = _count_rows(server)
    assert rows == {"learners": 2, "sessions": 1, "attendance": 2,
                    "progress": ["attended", "attended", "finished", "finished", "practice_ok"]}
    roster = LessonsClient(server.url, server.token).roster()
    assert sorted(x["name"] for x in roster) == ["李桂兰", "王建国"]
