"""The systemd watchdog without systemd: a real AF_UNIX datagram socket stands in as $NOTIFY_SOCKET and reads
what systemd would (with the sender's pid from SCM_CREDENTIALS, as systemd does).

Covered here: the pings come from the Kivy clock and stop when the loop hangs; a real `kiosk run` process
says READY=1 and pings; kill -9 of that process under a restart loop (the unit's Restart=always, played by a
tiny shell loop running the unit's command) brings a new kiosk and its queue arrives intact at a real server.
Not covered: systemd itself acting on a missed ping (no systemd as PID 1 here); `systemd-analyze verify`
covers the unit's settings (tests/ops/test_install.py)."""

from __future__ import annotations

import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk import config as kconfig
from sync.catalog import default_catalog
from sync.client import outbox_path
from sync.outbox import Outbox
from tests.sync.realserver import RealServer
from tests.sync.test_e2e import queue

HANG_SCRIPT = r"""
import os, sys, time
from pathlib import Path
from kivy.clock import Clock
from kiosk import watchdog

hang_file = Path(sys.argv[1])

def maybe_hang(dt):
    if hang_file.exists():
        print("hanging", flush=True)
        time.sleep(3600)          # a callback that never returns: the UI loop is stuck

watchdog.start(Clock)
Clock.schedule_interval(maybe_hang, 0.05)
while True:
    Clock.tick()
"""


class NotifySocket:
    def __init__(self, path: Path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.path = path

    def recv(self, timeout: float) -> tuple[str, int] | None:
        """(message, sender pid), or None when nothing came within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except TimeoutError:
            return None
        pid = next((struct.unpack("3i", d)[0] for lvl, typ, d in anc
                    if lvl == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS), 0)
        return data.decode(), pid

    def wait_for(self, message: str, timeout: float = 90) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.recv(max(0.1, deadline - time.monotonic()))
            if got and message in got[0].splitlines():
                return got[1]
        raise AssertionError(f"no {message} on the notify socket in {timeout} s")

    def drain(self) -> None:
        while self.recv(0.001) is not None:
            pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify(tmp_path):
    s = NotifySocket(tmp_path / "notify.sock")
    yield s
    s.close()


def kivy_env(tmp_path, notify: NotifySocket, **extra) -> dict:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "200000",   # ping every 0.1 s
           "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1", "KIVY_HOME": str(tmp_path / "kivy")}
    env.update(extra)
    return env


def test_pings_follow_the_kivy_clock_and_stop_when_it_hangs(tmp_path, notify):
    hang = tmp_path / "hang"
    proc = subprocess.Popen([sys.executable, "-c", HANG_SCRIPT, str(hang)], env=kivy_env(tmp_path, notify),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert notify.wait_for("READY=1") == proc.pid
        for _ in range(5):
            assert notify.wait_for("WATCHDOG=1") == proc.pid
        hang.touch()
        assert proc.stdout.readline().strip() == "hanging"
        notify.drain()   # pings sent before the hang began
        # 2 s is twenty ping periods: a loop that still ran would have sent some. It is stuck, so none come.
        assert notify.recv(2.0) is None
        assert proc.poll() is None   # alive but hung: exactly what systemd's watchdog is for
    finally:
        proc.kill()
        proc.wait(10)


def test_no_systemd_no_pings(tmp_path):
    from kiosk import watchdog

    env_before = {k: os.environ.pop(k, None) for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    try:
        assert watchdog.start(clock=object()) is None and watchdog.notify("WATCHDOG=1") is False
    finally:
        os.environ.update({k: v for k, v in env_before.items() if v is not None})


def test_kill_9_under_restart_loop_keeps_the_queue(tmp_path, notify):
    srv = RealServer(tmp_path / "srv")
    srv.token = srv.setup_post_and_kiosk()   # the server is not serving yet: requests stay queued
    data = tmp_path / "kiosk"
    cfg_path = tmp_path / "kiosk.toml"
    kconfig.write_config(cfg_path, {"server": {"url": srv.url, "token": srv.token, "timeout_s": 2, "sync_interval_s": 1},
                                    "kiosk": {"data_dir": str(data)}, "voice": {"enabled": False},
                                    "screen": {"fullscreen": False, "width": 800, "height": 600, "diagonal_inches": 15}})
    cfg = kconfig.load(cfg_path)
    services = SimpleNamespace(config=cfg, catalog=default_catalog(), outbox=Outbox(outbox_path(cfg), "WJZ1"),
                               sync=None)
    made = queue(services, 12, random.Random(9))
    services.outbox.close()

    # Restart=always played by a shell loop around the unit's own command (minus cage: no DRM here)
    loop = ("while true; do \"$PY\" -m kiosk.cli run --windowed --size 800x600; sleep 0.5; done")
    env = kivy_env(tmp_path, notify, PY=sys.executable, KIOSK_CONFIG=str(cfg_path))
    for k in ("KIVY_NO_ARGS", "KIVY_NO_CONSOLELOG", "KIVY_NO_FILELOG", "KIVY_HOME"):
        env.pop(k)
    supervisor = subprocess.Popen(["bash", "-c", loop], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pids = []
        for _ in range(2):
            pid = notify.wait_for("READY=1", timeout=120)
            assert notify.wait_for("WATCHDOG=1") == pid
            pids.append(pid)
            os.kill(pid, signal.SIGKILL)
        pid = notify.wait_for("READY=1", timeout=120)   # back again after the second kill
        assert pid not in pids and len(set(pids)) == 2
        srv.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(srv.stored()) < len(made):
            time.sleep(1)
        stored = srv.stored()
        assert sorted(r["uuid"] for r in stored) == sorted(m["uuid"] for m in made)
        assert {r["receipt"] for r in stored} == {m["receipt"] for m in made}
    finally:
        os.killpg(supervisor.pid, signal.SIGKILL)
        supervisor.wait(10)
        srv.stop()
