"""End to end with real parts: the real `community-server serve` (waitress + Django + SQLite) in a subprocess
on a loopback port, the real kiosk outbox and sync client (in process, or as `kiosk` subprocesses), and a
loopback proxy for the network's faults. Exactly-once is checked by comparing the sets of UUIDs."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
import requests

from kiosk import config as kconfig
from kiosk.submit import submit_request
from sync import protocol
from sync.catalog import default_catalog
from sync.client import SyncClient
from sync.outbox import Outbox
from tests.sync.conftest import grow
from tests.sync.realserver import Proxy, RealServer, serve_in_thread

CATEGORIES = default_catalog().ids


@pytest.fixture(scope="module")
def pg_cluster():
    import tempfile
    from pathlib import Path

    from tests import pg

    assert pg.pg_bin(), "PostgreSQL is not installed (scripts/setup --test installs it)"
    root = Path(tempfile.mkdtemp(prefix="e2e-pg-"))   # not under pytest's root-only tmp: postgres must reach it
    url = pg.start(root)
    yield url
    pg.stop(root)


@pytest.fixture
def server(request, tmp_path):
    """The real server on SQLite; tests parametrized with indirect=["server"] also run it on PostgreSQL."""
    database_url = None
    if getattr(request, "param", "sqlite") == "postgresql":
        from tests import pg

        database_url = pg.create_database(request.getfixturevalue("pg_cluster"), f"e2e_{os.getpid()}_{id(request)}")
    srv = RealServer(tmp_path / "srv", database_url)
    srv.token = srv.setup_post_and_kiosk()
    yield srv
    srv.stop()


def kiosk_services(tmp_path, url: str, token: str, name: str = "kiosk"):
    data = tmp_path / name
    cfg_path = tmp_path / f"{name}.toml"
    kconfig.write_config(cfg_path, {"server": {"url": url, "token": token, "timeout_s": 2},
                                    "kiosk": {"data_dir": str(data)}})
    cfg = kconfig.load(cfg_path)
    box = Outbox(data / "outbox.sqlite3", cfg["post"]["code"])
    return SimpleNamespace(config=cfg, catalog=default_catalog(), outbox=box, sync=None, config_path=cfg_path)


def queue(services, n: int, rnd: random.Random) -> list[dict]:
    return [submit_request(services, category=rnd.choice(CATEGORIES), name=f"居民{i}", room=f"{rnd.randint(1, 7)}-{i % 20:02d}",
                           text="e2e" if i % 3 else "", channel=rnd.choice(("touch", "voice")))
            for i in range(n)]


def kiosk_cli(services, *args, check=True) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_CONFIG": str(services.config_path)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=check)


def assert_exactly_once(server: RealServer, made: list[dict]) -> list[dict]:
    stored = server.stored()
    uuids = [r["uuid"] for r in stored]
    assert len(uuids) == len(set(uuids)), "a request was stored twice"
    assert set(uuids) == {m["uuid"] for m in made}, "lost or foreign requests"
    return stored


def test_queued_while_server_down_then_up_all_arrive_and_status_flows_back(tmp_path, server):
    s = kiosk_services(tmp_path, server.url, server.token)
    made = queue(s, 40, random.Random(1))
    down = SyncClient(s.outbox, server.url, server.token, timeout=2).run_once()
    assert down["error"] and down["pending"] == 40 and down["sent"] == 0
    assert "连不上服务器" in s.outbox.counts()["last_error"]

    server.start()
    out = json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)
    assert (out["sent"], out["duplicates"], out["pending"], out["error"]) == (40, 0, 0, "")
    stored = assert_exactly_once(server, made)
    assert {r["receipt"] for r in stored} == {m["receipt"] for m in made}
    assert s.outbox.personal_data(made[0]["uuid"]) is None   # purged once acknowledged

    # A cadre accepts one request on the server; the kiosk pulls it and answers offline afterwards.
    first = made[0]
    set_state(server, first["uuid"], "accepted", "明天上午上门")
    out = json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)
    assert out["updates"] >= 1 and out["error"] == ""
    server.stop()
    st = json.loads(kiosk_cli(s, "status", first["receipt"], "--json").stdout)
    assert (st["state"], st["state_label"], st["public_note"]) == ("accepted", "已受理", "明天上午上门")
    kiosks = server.cli_json("kiosks")
    assert kiosks[0]["last_seen"] and kiosks[0]["queue_length"] == 0 and kiosks[0]["version"]


class KillingRelay:
    """A loopback HTTP relay between the kiosk and the server that SIGKILLs the server while a batch is in
    flight, by design rather than by timing. arm(skip, mode, delay_s) lets `skip` submit batches through;
    on the next one the relay forwards it and then, holding the server's answer back from the kiosk,
      "mid":      kills the server `delay_s` after forwarding (it may be storing the batch, or have stored it);
      "answered": waits for the server's answer (the batch is stored) and kills it (the acknowledgement is lost);
    and closes the kiosk's connection unanswered. Every other call passes through."""

    HOP = {"host", "connection", "content-length", "transfer-encoding", "keep-alive"}

    def __init__(self, server: RealServer):
        from http.server import BaseHTTPRequestHandler

        self.server = server
        self.kills = self.lost_acks = 0
        self.fired = threading.Event()
        self._plan: tuple[int, str, float] | None = None
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _relay(self, method: str):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else None
                kill = relay._take(self.path)
                timer = None
                if kill and kill[0] == "mid":
                    timer = threading.Timer(kill[1], relay.server.kill)
                    timer.start()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in relay.HOP}
                try:
                    r = requests.request(method, relay.server.url + self.path, data=body, headers=headers, timeout=30)
                except requests.RequestException:
                    r = None
                if kill:
                    if timer:
                        timer.join()
                    else:
                        relay.lost_acks += r is not None and r.status_code == 200
                    relay.server.kill()
                    relay.kills += 1
                    relay.fired.set()
                    self.close_connection = True
                    self.connection.shutdown(2)   # the kiosk never hears how its batch went
                    return
                if r is None:
                    self.send_response(502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("Content-Type", "application/octet-stream"))
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def do_GET(self):
                self._relay("GET")

            def do_POST(self):
                self._relay("POST")

        self.httpd, self.url = serve_in_thread(Handler)

    def arm(self, skip: int, mode: str, delay_s: float = 0.0) -> None:
        with self._lock:
            self._plan = (skip, mode, delay_s)
            self.fired.clear()

    def _take(self, path: str) -> tuple[str, float] | None:
        with self._lock:
            if self._plan is None or not path.startswith(protocol.SUBMIT_PATH):
                return None
            skip, mode, delay_s = self._plan
            if skip:
                self._plan = (skip - 1, mode, delay_s)
                return None
            self._plan = None
            return mode, delay_s

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("server", ["sqlite", "postgresql"], indirect=True)
def test_server_sigkilled_during_batches_many_times_exactly_once(tmp_path, server):
    """1,000 requests; the server is SIGKILLed 8 times, each time while a batch is in flight (a relay holds
    the answer and kills the server, half of the times after it stored the batch), then left up to finish.
    On PostgreSQL 300 requests and 4 kills, to keep the suite short."""
    rnd = random.Random(20261128)
    on_pg = "DATABASE_URL" in server.env
    n, n_kills = (300, 4) if on_pg else (1000, 8)
    relay = KillingRelay(server)
    try:
        s = kiosk_services(tmp_path, relay.url, server.token)
        made = queue(s, n, rnd)
        client = SyncClient(s.outbox, relay.url, server.token, timeout=5, batch_size=20)
        for k in range(n_kills):
            server.start()
            relay.arm(skip=rnd.randint(0, 2), mode=("mid", "answered")[k % 2], delay_s=rnd.uniform(0, 0.05))
            # At most 3 batches of 20 per kill: far fewer than the queue, so every armed kill fires.
            while not relay.fired.is_set() and s.outbox.counts()["pending"]:
                client.run_once()
            server.kill()   # already dead when the relay fired; frees the port if the queue ran dry first
        server.start()
        final = client.run_once()
    finally:
        relay.close()
    assert_exactly_once(server, made)
    assert final["error"] == "" and final["pending"] == 0
    c = s.outbox.counts()
    assert (c["pending"], c["rejected"], c["sent"]) == (0, 0, n)
    print(f"chaos: {server.starts} server starts, {relay.kills} SIGKILLs mid-batch, "
          f"{relay.lost_acks} stored batches whose acknowledgement was lost")
    # The test's own strength, fixed by design: each kill fell on a batch in flight; some after storing it.
    assert relay.kills == n_kills and relay.lost_acks >= 1


def test_kiosk_killed_between_send_and_ack_resend_is_a_duplicate(tmp_path, server):
    server.start()
    proxy = Proxy(server.url)
    try:
        s = kiosk_services(tmp_path, proxy.url, server.token)
        made = queue(s, 25, random.Random(3))
        proxy.fault = lambda path, n: "hold" if path.startswith(protocol.SUBMIT_PATH) else None
        env = {**os.environ, "KIOSK_CONFIG": str(s.config_path)}
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "--once", "--json"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proxy.forwarded.wait(60), "the batch never reached the server"
        assert len(server.stored()) == 25          # the server stored the batch ...
        proc.send_signal(signal.SIGKILL)           # ... and the kiosk dies before it hears the acknowledgement
        proc.wait(10)
        proxy.release.set()
    finally:
        proxy.close()
    box = Outbox(s.outbox.path, "WJZ1")
    assert box.counts()["pending"] == 25 and box.personal_data(made[0]["uuid"]) is not None
    s = kiosk_services(tmp_path, server.url, server.token)
    out = json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)
    assert (out["sent"], out["duplicates"], out["pending"]) == (0, 25, 0)
    assert_exactly_once(server, made)


def test_flaky_network_500_timeouts_slow_html_and_drops_exactly_once(tmp_path, server):
    """Between kiosk and server: 500s with Retry-After, captive-portal 200 HTML pages, dropped connections,
    and answers that come after the kiosk gave up (the server stored the batch: the resend is a duplicate)."""
    server.start()
    proxy = Proxy(server.url)
    proxy.late_s = 2.5
    rnd = random.Random(7)
    faults = ["500", "html", "drop", "late", None, None]
    proxy.fault = lambda path, n: rnd.choice(faults)
    try:
        s = kiosk_services(tmp_path, proxy.url, server.token)
        made = queue(s, 200, rnd)
        client = SyncClient(s.outbox, proxy.url, server.token, timeout=1, batch_size=40)
        errors = set()
        for _ in range(200):
            out = client.run_once()
            errors.add(out["error"].split("（")[0])
            if out["pending"] == 0 and not out["error"]:
                break
        assert out["pending"] == 0 and out["error"] == ""
    finally:
        proxy.close()
    assert_exactly_once(server, made)
    assert s.outbox.counts()["rejected"] == 0
    words = " ".join(errors)   # every kind of fault was met and named
    assert "收到的不是社区服务器的回答" in words and "服务器无应答" in words and "服务器出错" in words
    assert "连不上服务器" in words


def set_state(server: RealServer, uuid: str, state: str, note: str) -> None:
    """A cadre's change on the server (one transaction: the request and its event)."""
    subprocess.run([sys.executable, "-c",
                    "from server.cli import setup_django; setup_django(migrate=False)\n"
                    "from django.db import transaction\n"
                    "from server.core.models import Request, RequestEvent\n"
                    f"r = Request.objects.get(uuid='{uuid}')\n"
                    "with transaction.atomic():\n"
                    f"    RequestEvent.objects.create(request=r, from_state=r.state, to_state='{state}', public_note='{note}')\n"
                    f"    r.state = '{state}'; r.public_note = '{note}'; r.save()\n"],
                   env=server.env, check=True, timeout=60)


def test_revoked_token_keeps_items_says_so_and_a_new_token_sends_them(tmp_path, server):
    server.start()
    s = kiosk_services(tmp_path, server.url, server.token)
    before = queue(s, 2, random.Random(40))
    assert json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)["sent"] == 2
    made = queue(s, 5, random.Random(4))
    name = server.cli_json("kiosks")[0]["kiosk"]
    server.cli("revoke-kiosk", "--name", name)
    r = kiosk_cli(s, "sync", "--once", "--json", check=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "403" in r.stderr and "令牌" in r.stderr
    q = json.loads(kiosk_cli(s, "queue", "--json").stdout)
    assert (q["pending"], q["rejected"]) == (5, 0) and "令牌" in q["last_error"]
    assert len(server.stored()) == 2
    token = server.cli_json("add-kiosk", "--post", "WJZ1")["token"]
    kconfig.write_config(s.config_path, {"server": {"token": token}})
    out = json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)
    assert (out["sent"], out["pending"], out["error"]) == (5, 0, "")
    assert_exactly_once(server, before + made)
    # Status changes of what was sent under the old token still reach the kiosk under the new one.
    set_state(server, before[0]["uuid"], "resolved", "已经帮您充好了")
    assert json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)["updates"] >= 1
    st = json.loads(kiosk_cli(s, "status", before[0]["receipt"], "--json").stdout)
    assert (st["state"], st["public_note"]) == ("resolved", "已经帮您充好了")


def test_server_refuses_oversized_garbage_and_unauthenticated_with_clear_json(server):
    server.start()
    auth = {"Authorization": f"Bearer {server.token}"}
    submit = server.url + protocol.SUBMIT_PATH

    def item(n, **kw):
        return {"kind": "request", "uuid": f"00000000-0000-4000-8000-{n:012d}", "receipt": f"WJZ1-{n % 10000:04d}",
                "category": "shopping", "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00", "room": "1-101", **kw}

    r = requests.post(submit, json={"protocol": 1, "items": [item(n) for n in range(protocol.MAX_BATCH_ITEMS + 1)]},
                      headers=auth, timeout=30)
    assert r.status_code == 413 and r.json()["error"] == "batch_too_large"
    # just over the protocol's limit (far over it, waitress's own body bound answers first: below)
    body = json.dumps({"protocol": 1, "items": [item(n, text="字" * 2000) for n in range(83)]}).encode()
    assert protocol.MAX_BODY_BYTES < len(body) < protocol.MAX_BODY_BYTES + 65536
    r = requests.post(submit, data=body, headers={**auth, "Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    r = requests.post(submit, data=b"x" * (5 * 1024 * 1024), headers={**auth, "Content-Type": "application/json"}, timeout=30)
    # waitress refuses it before Django reads it, still in the protocol's envelope (issue 11.7)
    assert r.status_code == 413 and r.json()["error"] == "body_too_large" and r.json()["protocol"] == protocol.PROTOCOL_VERSION
    r = requests.post(submit, data=b'{"protocol": 1, "items": [{"uuid": ', headers={**auth, "Content-Type": "application/json"},
                      timeout=30)
    assert r.status_code in (400, 422) and r.headers["Content-Type"].startswith("application/json")
    r = requests.post(submit, json={"protocol": 1, "items": "nope"}, headers=auth, timeout=30)
    assert r.status_code == 422 and "items" in r.json()["fields"]
    r = requests.post(submit, json={"protocol": 1, "items": []}, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "no_token"
    r = requests.post(submit, json={"protocol": 1, "items": [item(1, category="unicorns"), item(2)]}, headers=auth, timeout=30)
    assert [x["status"] for x in r.json()["results"]] == ["rejected", "created"]
    assert "category" in r.json()["results"][0]["fields"]
    assert [x["uuid"] for x in server.stored()] == [item(2)["uuid"]]
    doc = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
    assert protocol.SUBMIT_PATH in doc["paths"]


@pytest.mark.parametrize("server", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_duplicate_submissions_from_two_processes(tmp_path, server):
    """Two `kiosk sync --once` processes on the same outbox at the same moment send the same items."""
    server.start()
    s = kiosk_services(tmp_path, server.url, server.token)
    made = queue(s, 400, random.Random(5))
    env = {**os.environ, "KIOSK_CONFIG": str(s.config_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "--once", "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(o["error"] == "" and o["pending"] == 0 for o in outs), outs
    assert sum(o["sent"] + o["duplicates"] for o in outs) == 400   # each item acknowledged once on the kiosk
    assert_exactly_once(server, made)


def test_receipt_clash_between_two_kiosks_of_one_post(tmp_path, server):
    server.start()
    token2 = server.cli_json("add-kiosk", "--post", "WJZ1")["token"]
    a = kiosk_services(tmp_path, server.url, server.token, "a")
    b = kiosk_services(tmp_path, server.url, token2, "b")
    first = submit_request(a, category="gas_recharge", room="3-301")
    # Kiosk b happens to pick the same code (each kiosk only knows its own outbox).
    b.outbox._pick_receipt = lambda db, post: first["receipt"]
    second = submit_request(b, category="home_repair", room="5-502")
    assert second["receipt"] == first["receipt"]
    for s in (a, b):
        assert json.loads(kiosk_cli(s, "sync", "--once", "--json").stdout)["error"] == ""
    stored = {r["uuid"]: r for r in assert_exactly_once(server, [first, second])}
    assert stored[first["uuid"]]["receipt"] == first["receipt"]
    renumbered = stored[second["uuid"]]["receipt"]
    assert renumbered != first["receipt"] and protocol.RECEIPT_RE.match(renumbered)
    st = json.loads(kiosk_cli(b, "status", second["receipt"], "--json").stdout)   # the code the resident holds
    assert st["category"] == "home_repair" and st["state"] == "received"
    page = requests.get(f"{server.url}/r/{second['receipt']}?u={second['uuid']}", timeout=10)
    assert page.status_code == 200 and "上门维修" in page.text and "5-502" not in page.text


def test_database_gone_under_the_server_nothing_lost(tmp_path):
    """PostgreSQL crashes under a running server: the server answers errors (health 503), the kiosk keeps
    every item; when the database is back the same server process takes them all, once."""
    import tempfile
    from pathlib import Path

    from tests import pg

    assert pg.pg_bin(), "PostgreSQL is not installed (scripts/setup --test installs it)"
    root = Path(tempfile.mkdtemp(prefix="e2e-pgdown-"))
    srv = RealServer(tmp_path / "srv", pg.start(root))
    try:
        srv.token = srv.setup_post_and_kiosk()
        srv.start()
        s = kiosk_services(tmp_path, srv.url, srv.token)
        made = queue(s, 30, random.Random(9))
        pg.ctl(root, "stop")
        client = SyncClient(s.outbox, srv.url, srv.token, timeout=5)
        out = client.run_once()
        assert out["error"].startswith("服务器出错") and out["pending"] == 30
        assert requests.get(srv.url + "/healthz", timeout=10).status_code == 503
        pg.ctl(root, "start")
        out = client.run_once()
        assert (out["error"], out["sent"], out["pending"]) == ("", 30, 0)
        assert_exactly_once(srv, made)
    finally:
        srv.stop()
        pg.stop(root)


def test_disk_full_on_the_server_then_on_the_kiosk_loses_nothing(tmp_path, tmpfs):
    mnt = tmpfs("6m")
    srv = RealServer(mnt / "srv")
    try:
        srv.token = srv.setup_post_and_kiosk()
        srv.start()
        s = kiosk_services(tmp_path, srv.url, srv.token)
        made = queue(s, 600, random.Random(11))
        filler = mnt / "filler"
        with open(filler, "wb") as f:   # leave the server almost no room
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        client = SyncClient(s.outbox, srv.url, srv.token, timeout=10, batch_size=100)
        out = client.run_once()
        assert out["error"].startswith("服务器出错") and out["pending"] > 0
        assert len(srv.stored()) == out["sent"]   # what was acknowledged before the disk filled, nothing more
        filler.unlink()
        grow(mnt, "64m")
        out = client.run_once()
        assert (out["error"], out["pending"]) == ("", 0)
        assert_exactly_once(srv, made)
    finally:
        srv.stop()

    # The kiosk's own disk fills: submit says so in one line and queues nothing half-way; older items stay.
    k = kiosk_services(mnt, "http://127.0.0.1:9", "k_x", "kiosk")
    kept = queue(k, 3, random.Random(12))
    with open(mnt / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    r = kiosk_cli(k, "submit", "--category", "shopping", "--room", "1-101", "--json", check=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "存储空间已满" in r.stderr, r.stderr
    (mnt / "filler").unlink()
    q = json.loads(kiosk_cli(k, "queue", "--json").stdout)
    assert q["pending"] == 3 and {i["uuid"] for i in q["items"]} == {m["uuid"] for m in kept}
