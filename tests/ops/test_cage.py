"""The unit's own ExecStart — `cage -d -s -- kiosk run`, full screen — on this machine without a screen: cage on
wlroots' headless backend, the kiosk drawing through Xwayland, run as an unprivileged user as systemd would.
A real AF_UNIX datagram socket stands in for systemd's $NOTIFY_SOCKET.

Shows: NOTIFY_SOCKET and WATCHDOG_USEC pass through cage; READY=1 and WATCHDOG=1 come from the kiosk, a child
of cage and not the unit's main process (why the unit says NotifyAccess=all); a stopped kiosk stops pinging;
kill -9 of the kiosk ends cage (the unit's main process), and Restart=always — played by a loop, as there is no
systemd here — brings a new kiosk that pings again. Not shown: DRM/KMS on a real screen, logind's seat and
tty1 (PAMName=login), systemd itself acting on a missed ping."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.ops.test_watchdog import NotifySocket

ROOT = Path(__file__).resolve().parents[2]
KIOSK = Path(sys.executable).parent / "kiosk"


def _as_unprivileged(inner: str, workdir: Path) -> list[str]:
    """cage refuses to run as root. As root: run as `nobody`, in a mount namespace where /root (0700, home of
    this venv's interpreter) shows only the interpreter's folder, so `nobody` can run it."""
    if os.geteuid() != 0:
        return ["bash", "-c", inner]
    py_home = Path(os.path.realpath(sys.executable)).parents[3]   # e.g. /root/.pyenv
    setup = ""
    if str(py_home).startswith("/root/"):
        view = workdir / "rootview"
        rel = py_home.relative_to("/root")
        setup = (f"mkdir -p {view} && mount --bind /root {view} && mount -t tmpfs -o mode=755 tmpfs /root && "
                 f"mkdir -p /root/{rel} && mount --bind {view}/{rel} /root/{rel} && ")
    return ["unshare", "-m", "bash", "-c", setup + f"exec runuser -u nobody -- bash -c {shlex.quote(inner)}"]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/status").read_text().split("PPid:")[1].split()[0])


@pytest.mark.timeout(240)
def test_kiosk_under_cage_pings_and_comes_back_after_kill_9():
    assert shutil.which("cage") and shutil.which("Xwayland"), "apt-get install cage xwayland (install-kiosk does)"
    work = Path(tempfile.mkdtemp(prefix="cage-kiosk-"))   # not pytest's root-only tmp: `nobody` must reach it
    work.chmod(0o755)
    run, data = work / "run", work / "data"
    for d in (run, data):
        d.mkdir()
        if os.geteuid() == 0:
            shutil.chown(d, "nobody")
    run.chmod(0o700)
    (work / "kiosk.toml").write_text(f'[kiosk]\ndata_dir = "{data}"\n[voice]\nenabled = false\n'
                                     '[server]\nurl = "http://127.0.0.1:9"\n')   # full screen: the default
    notify = NotifySocket(work / "notify.sock")
    (work / "notify.sock").chmod(0o777)
    env = (f"XDG_RUNTIME_DIR={run} WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman "
           f"KIOSK_CONFIG={work / 'kiosk.toml'} NOTIFY_SOCKET={work / 'notify.sock'} WATCHDOG_USEC=1000000 HOME={data}")
    loop = (f"cd {ROOT}; while true; do env {env} cage -d -s -- {KIOSK} run >>{data}/cage.log 2>&1; "
            f"echo \"cage exited $?\"; sleep 0.5; done")
    sup = subprocess.Popen(_as_unprivileged(loop, work), stdout=subprocess.PIPE, text=True, start_new_session=True)
    seen: list[int] = []
    log = data / "cage.log"
    try:
        first = notify.wait_for("READY=1", timeout=60)
        cage = _parent(first)
        assert Path(f"/proc/{cage}/comm").read_text().strip() == "cage"   # the kiosk is cage's child
        for _ in range(3):
            assert notify.wait_for("WATCHDOG=1") == first
        seen += [first, cage]

        os.kill(first, signal.SIGSTOP)     # frozen: no more pings (systemd would kill it after WatchdogSec)
        notify.drain()
        assert notify.recv(3.0) is None    # six ping periods of silence
        os.kill(first, signal.SIGKILL)
        assert sup.stdout.readline().startswith("cage exited")   # the unit's main process ends with its kiosk

        second = notify.wait_for("READY=1", timeout=120)         # ... and the restart brings a new one
        assert second != first
        assert notify.wait_for("WATCHDOG=1") == second
        seen += [second, _parent(second)]
    except AssertionError:
        print(log.read_text(errors="replace")[-3000:] if log.exists() else "no cage.log")
        raise
    finally:
        os.killpg(sup.pid, signal.SIGKILL)
        for pid in seen:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sup.wait(10)
        notify.close()
        subprocess.run(["umount", "-l", str(work / "rootview")], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
