"""Issue 10.2 and 11.7 replayed against the real `community-server serve` (SQLite and PostgreSQL): every item
gets a verdict with the field named, the heartbeat is bounded, every /api/ error is the protocol's envelope,
and the kiosk refuses to queue what the server would refuse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import requests

from sync import protocol
from tests.sync.realserver import RealServer


@pytest.fixture(scope="module")
def pg_cluster():
    import tempfile
    from pathlib import Path

    from tests import pg

    assert pg.pg_bin(), "PostgreSQL is not installed (scripts/setup --test installs it)"
    root = Path(tempfile.mkdtemp(prefix="proto-pg-"))   # not under pytest's root-only tmp: postgres must reach it
    url = pg.start(root)
    yield url
    pg.stop(root)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def srv(request, tmp_path_factory):
    database_url = None
    if request.param == "postgresql":
        from tests import pg

        database_url = pg.create_database(request.getfixturevalue("pg_cluster"), f"proto_{os.getpid()}")
    s = RealServer(tmp_path_factory.mktemp("proto-srv"), database_url)
    s.token = s.setup_post_and_kiosk()
    s.start()
    yield s
    s.stop()


def post(srv, path, body, token=None):
    return requests.post(srv.url + path, data=body, timeout=30, headers={
        "Authorization": f"Bearer {token or srv.token}", "Content-Type": "application/json"})


def item(**kw):
    return {"kind": "request", "uuid": str(uuid.uuid4()), "receipt": f"WJZ1-{uuid.uuid4().int % 10000:04d}",
            "category": "gas_recharge", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00",
            "name": "张奶奶", "room": "3-301", **kw}


def envelope(r, status):
    assert r.status_code == status, r.text[:300]
    assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
    body = r.json()
    assert body["protocol"] == protocol.PROTOCOL_VERSION and body["error"] and body["detail"], body
    return body


# (item, the field the server must name)
FAULTS = [
    (item(name="张\x00奶奶"), "name"),                              # NUL: PostgreSQL cannot store it
    (item(name="张\ud800奶奶"), "name"),                            # lone surrogate: not encodable as UTF-8
    (item(text="来\x00一下"), "text"),
    (item(created_at="2026-13-28T09:00:00+08:00"), "created_at"),   # month 13
    (item(created_at="2026-11-28T25:00:00+08:00"), "created_at"),   # hour 25
    (item(created_at="0001-01-01T00:00:00+08:00"), "created_at"),   # year 1 with an offset overflows in UTC
    (item(uuid=12345), "uuid"),
    ({"kind": "lesson_progress", "uuid": str(uuid.uuid4()), "lesson_id": "scan_pay", "outcome": "finished",
      "at": "2026-11-28T09:00:00+08:00", "learner": {"uuid": str(uuid.uuid4()), "name": "王\x00伯"},
      "session": None}, "learner.name"),
    ({"kind": "lesson_progress", "uuid": str(uuid.uuid4()), "lesson_id": "scan_pay", "outcome": "finished",
      "at": "2026-02-30T09:00:00+08:00", "learner": None, "session": None}, "at"),
    ({"kind": "set_aside", "uuid": str(uuid.uuid4()), "receipt": "WJZ1-0001", "category": "gas_recharge",
      "reason": "x", "set_aside_at": "0001-01-01T00:30:00+01:00"}, "set_aside_at"),
]


def test_every_item_gets_a_verdict_with_the_field_named(srv):
    good = item()
    items = [good] + [i for i, _ in FAULTS]
    r = post(srv, protocol.SUBMIT_PATH, json.dumps({"protocol": 1, "items": items}))   # \u0000, \ud800 escaped
    assert r.status_code == 200, r.text[:500]
    results = r.json()["results"]
    assert len(results) == len(items)                   # never nothing: the kiosk would retry for ever
    assert results[0]["status"] == "created"
    for (sent, field), got in zip(FAULTS, results[1:], strict=True):
        assert got["status"] == "rejected" and field in got["fields"], (sent, got)
    assert results[7]["uuid"] == "12345"
    stored = {r["uuid"] for r in srv.stored()}
    assert good["uuid"] in stored and not stored & {str(i.get("uuid")) for i, _ in FAULTS}
    again = post(srv, protocol.SUBMIT_PATH, json.dumps({"protocol": 1, "items": items})).json()["results"]
    assert [x["status"] for x in again] == ["duplicate"] + ["rejected"] * len(FAULTS)


@pytest.mark.parametrize("body, field", [
    ({"protocol": 1, "queue_length": 2**31}, "queue_length"),        # over a PostgreSQL integer
    ({"protocol": 1, "queue_length": 2**63}, "queue_length"),
    ({"protocol": 1, "queue_length": 10**30}, "queue_length"),
    ({"protocol": 1, "oldest_queued_s": -1}, "oldest_queued_s"),
    ({"protocol": 1, "rejected": True}, "rejected"),
    ({"protocol": 1, "version": "1.0\x00"}, "version"),
    ({"protocol": 1, "voice_health": "x" * 201}, "voice_health"),
    ([{"protocol": 1, "queue_length": 3}], "body"),                  # an array body
])
def test_heartbeat_is_bounded_and_names_the_field(srv, body, field):
    got = envelope(post(srv, protocol.HEARTBEAT_PATH, json.dumps(body)), 422)
    assert field in got["fields"], got
    ok = post(srv, protocol.HEARTBEAT_PATH, json.dumps({"protocol": 1, "queue_length": 2**31 - 1, "version": "2.0"}))
    assert ok.status_code == 200 and ok.json()["ok"] is True


def test_every_api_error_is_the_envelope(srv):
    envelope(post(srv, protocol.SUBMIT_PATH, b"{not json"), 400)
    envelope(post(srv, protocol.SUBMIT_PATH, b"\xff\xfe{}"), 400)
    envelope(post(srv, protocol.LESSONS_PATH + "/practice", b"{not json"), 400)     # Ninja's own parser
    envelope(post(srv, protocol.LESSONS_PATH + "/practice", json.dumps({"lesson_id": "nope"})), 404)
    envelope(post(srv, protocol.SUBMIT_PATH, json.dumps({"protocol": 1, "items": []}), token="k_wrong"), 401)
    envelope(post(srv, protocol.SUBMIT_PATH, json.dumps({"protocol": 1, "items": {}})), 422)
    assert envelope(post(srv, protocol.SUBMIT_PATH, json.dumps({"protocol": 2, "items": []})), 422)["error"] == "protocol"
    envelope(requests.get(srv.url + protocol.API_PREFIX + "/no/such/path", timeout=10), 404)
    envelope(requests.get(srv.url + protocol.SUBMIT_PATH, timeout=10), 405)
    # Bodies Django refused before the API saw them: HTML 400 above 2.5 MB. Now 413 from the Content-Length.
    pad = json.dumps({"protocol": 1, "items": [item(text="x" * protocol.MAX_BODY_BYTES)]})
    assert envelope(post(srv, protocol.SUBMIT_PATH, pad), 413)["error"] == "body_too_large"
    chunks = (b"x" * 70_000 for _ in range(15))   # chunked: no Content-Length to refuse it by
    assert envelope(post(srv, protocol.SUBMIT_PATH, chunks), 413)["error"] == "body_too_large"
    # Far above the limit the WSGI server itself stops reading (issue 11.8: a body bound in waitress): its
    # plain 413 cannot carry the envelope, and the kiosk takes any 413 as "send smaller batches".
    huge = post(srv, protocol.SUBMIT_PATH, "x" * 3_000_000)
    assert huge.status_code == 413
    huge_cursor = requests.get(srv.url + protocol.UPDATES_PATH, params={"after": 10**30}, timeout=10,
                               headers={"Authorization": f"Bearer {srv.token}"})
    assert "after" in " ".join(envelope(huge_cursor, 422)["fields"])


def test_no_docs_page_from_a_cdn_and_openapi_stays(srv):
    envelope(requests.get(srv.url + protocol.API_PREFIX + "/docs", timeout=10), 404)
    spec = requests.get(srv.url + protocol.API_PREFIX + "/openapi.json", timeout=10)
    assert spec.status_code == 200 and "/api/v1/kiosk/submit" in spec.json()["paths"]
    assert "requestBody" in spec.json()["paths"]["/api/v1/kiosk/heartbeat"]["post"]
    assert "cdn" not in spec.text.lower()


def test_kiosk_refuses_to_queue_what_the_server_refuses(srv, tmp_path):
    """`kiosk submit` with a name the shell passes as invalid UTF-8 (Python reads it as a lone surrogate)."""
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[server]\nurl = "{srv.url}"\ntoken = "{srv.token}"\n[kiosk]\ndata_dir = "{tmp_path / "d"}"\n',
                   encoding="utf-8")
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "kiosk.cli", *a], env=env, capture_output=True,  # noqa: E731
                                    timeout=120)
    r = run("submit", "--category", "gas_recharge", "--name", b"\xe5\xbc\xa0\xff", "--room", "301")
    assert r.returncode != 0
    assert "称呼里有无法保存的字符" in r.stderr.decode(), r.stderr.decode()
    r = run("submit", "--category", "gas_recharge", "--name", "张" * 51, "--room", "301")
    assert r.returncode != 0 and "称呼太长了，最多 50 个字" in r.stderr.decode()
    q = json.loads(run("queue", "--json").stdout)
    assert q["pending"] == 0 and q["items"] == []       # nothing queued that the server would refuse
