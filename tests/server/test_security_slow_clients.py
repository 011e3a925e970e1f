"""Issue 11.8: connections trickling a request body (no token needed) must not stop every kiosk. 150 of them
are held open against the real `community-server serve` while a kiosk syncs 100 requests."""

from __future__ import annotations

import socket
import threading
import time
from types import SimpleNamespace

from kiosk import config as kconfig
from kiosk.submit import submit_request
from sync import protocol
from sync.catalog import default_catalog
from sync.client import SyncClient
from sync.outbox import Outbox
from tests.sync.realserver import running

SLOW = 150


def _trickle(host: str, port: int, stop: threading.Event, opened: list) -> None:
    """Open SLOW connections that announce a body and then send it one byte per second, never finishing."""
    for _ in range(SLOW):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(f"POST {protocol.SUBMIT_PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: 900000\r\n\r\n{{".encode())
        opened.append(s)
    while not stop.wait(1.0):
        for s in opened:
            try:
                s.sendall(b" ")
            except OSError:
                pass


def _still_open(s: socket.socket) -> bool:
    """The server has neither answered nor closed this connection."""
    s.setblocking(False)
    try:
        s.recv(1)             # an answer or the end of the stream: the server let go of it
    except BlockingIOError:
        return True           # nothing to read yet: still held
    except OSError:
        pass
    return False


def test_150_slow_clients_do_not_stop_a_kiosk_syncing_100_requests(tmp_path):
    with running(tmp_path / "srv") as srv:
        cfg_path = tmp_path / "kiosk.toml"
        kconfig.write_config(cfg_path, {"server": {"url": srv.url, "token": srv.token, "timeout_s": 10},
                                        "kiosk": {"data_dir": str(tmp_path / "kiosk")}})
        cfg = kconfig.load(cfg_path)
        services = SimpleNamespace(config=cfg, catalog=default_catalog(),
                                   outbox=Outbox(tmp_path / "kiosk" / "outbox.sqlite3", "WJZ1"))
        for i in range(100):
            submit_request(services, category="shopping", name=f"居民{i}", channel="touch")
        stop, opened = threading.Event(), []
        trickler = threading.Thread(target=_trickle, args=("127.0.0.1", srv.port, stop, opened), daemon=True)
        trickler.start()
        try:
            deadline = time.monotonic() + 30
            while len(opened) < SLOW and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(opened) == SLOW
            time.sleep(1)            # every slow connection is in the server's hands before the kiosk starts
            client = SyncClient(services.outbox, srv.url, srv.token, timeout=10, batch_size=20)
            start = time.monotonic()
            out = client.run_once()
            while out["pending"] and time.monotonic() - start < 30:
                out = client.run_once()
            took = time.monotonic() - start
            assert out["pending"] == 0 and out["error"] == "", out
            assert took < 30, took       # a functional bound (the issue's), far above a normal sync
            assert len(srv.stored()) == 100
            assert sum(_still_open(s) for s in opened) == SLOW   # the server still held every slow one
        finally:
            stop.set()
            trickler.join(5)
            for s in opened:
                s.close()
