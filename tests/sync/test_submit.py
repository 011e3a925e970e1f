"""kiosk.submit.submit_request: the one path from screens and `kiosk submit` into the outbox."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiosk import config
from kiosk.submit import SubmitError, submit_request
from sync import protocol
from sync.catalog import default_catalog
from sync.outbox import Outbox


class Kicks:
    def __init__(self):
        self.n = 0

    def kick(self):
        self.n += 1


@pytest.fixture
def services(tmp_path):
    cfg = config.parse({"kiosk": {"data_dir": str(tmp_path)}, "post": {"code": "QLH2"}})
    s = SimpleNamespace(config=cfg, catalog=default_catalog(), outbox=Outbox(tmp_path / "outbox.sqlite3", "QLH2"),
                        sync=Kicks())
    yield s
    s.outbox.close()


def test_queues_validated_item_and_kicks_the_worker(services):
    out = submit_request(services, category="meal_delivery", building=" 2号楼 ", room="401", channel="voice",
                         text="中午送一份饭")
    assert out["receipt"].startswith("QLH2-") and services.sync.n == 1
    item = services.outbox.due(5)[0]
    assert item["building"] == "2号楼" and item["channel"] == "voice" and item["created_at"].endswith("+08:00")
    assert protocol.validate_request(item, default_catalog().ids) == {}


@pytest.mark.parametrize("kw, words", [
    ({"category": "nope", "room": "1"}, "没有这一类服务"),
    ({"category": "shopping"}, "找到您"),
    ({"category": "shopping", "room": "1", "phone": "abc"}, "电话"),
    ({"category": "shopping", "room": "1", "text": "字" * 2001}, "留言内容"),
    ({"category": "shopping", "room": "1", "channel": "fax"}, "提交方式"),
])
def test_bad_input_is_a_clear_chinese_message_and_queues_nothing(services, kw, words):
    with pytest.raises(SubmitError, match=words):
        submit_request(services, **kw)
    assert services.outbox.counts()["pending"] == 0 and services.sync.n == 0


def test_disk_full_is_a_message_not_a_crash(services):
    db = services.outbox._db
    db.execute(f"PRAGMA max_page_count={db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(SubmitError, match="存储空间已满"):
        for _ in range(100):
            submit_request(services, category="message", room="1", text="长" * 1900)
