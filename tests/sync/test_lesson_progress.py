"""lesson_progress is built through the protocol's schema on the kiosk (screens/lesson_session.py), so the
kiosk never queues an item the server would refuse; what it queues the real server takes."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from kiosk import config as kconfig
from screens.lesson_session import LessonService
from sync import protocol
from sync.client import SyncClient
from sync.lessons import load_lessons
from sync.outbox import Outbox
from tests.sync.realserver import running


def test_kiosk_queues_only_progress_the_server_takes(tmp_path):
    with running(tmp_path / "srv") as srv:
        cfg = kconfig.parse({"server": {"url": srv.url, "token": srv.token}, "kiosk": {"data_dir": str(tmp_path)}})
        outbox = Outbox(tmp_path / "outbox.sqlite3", "WJZ1")
        svc = LessonService(SimpleNamespace(config=cfg, outbox=outbox, sync=None))
        good = {"uuid": str(uuid.uuid4()), "name": "李桂兰", "building": "3号楼"}
        bad = [{"uuid": str(uuid.uuid4()), "name": "王\x00建国"},                 # PostgreSQL cannot store NUL
               {"uuid": str(uuid.uuid4()), "name": "张" * (protocol.LEARNER_FIELDS["name"] + 1)},
               {"uuid": "not-a-uuid", "name": "赵大爷"}]
        svc.start_class("scan_pay", [good, *bad])
        svc.record("finished")
        items = outbox.due(100)
        assert len(items) == 2 and all(i["learner"]["uuid"] == good["uuid"] for i in items)
        lesson_ids = load_lessons(tmp_path / "lessons").keys()
        assert all(protocol.validate_lesson_progress(i, lesson_ids) == {} for i in items)
        out = SyncClient(outbox, srv.url, srv.token).run_once()
        assert (out["sent"], out["rejected"], out["pending"], out["error"]) == (2, 0, 0, "")
