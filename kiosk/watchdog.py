"""systemd's watchdog, fed from the Kivy clock: a hung UI stops the pings and systemd restarts the kiosk.

The unit (deploy/xingfu-kiosk.service) sets Type=notify, WatchdogSec= and NotifyAccess=all (the kiosk
runs as a child of the `cage` compositor, not as the unit's main process). systemd passes
$NOTIFY_SOCKET and $WATCHDOG_USEC; outside systemd both are absent and nothing happens.
The sd_notify protocol is one datagram of "KEY=VALUE" lines on that AF_UNIX socket.
"""

from __future__ import annotations

import logging
import os
import socket

from assets.texts import t

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send `message` (e.g. "WATCHDOG=1") to systemd; False when not under systemd or it failed."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return False
    if path.startswith("@"):   # abstract namespace
        path = "\0" + path[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(path)
            s.sendall(message.encode())
        return True
    except OSError as exc:
        log.warning("sd_notify %s failed: %s", message, exc)
        return False


def interval_s() -> float | None:
    """Half the watchdog period (systemd's advice), or None when no watchdog is asked for."""
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    # WATCHDOG_PID is not checked: it names cage, the unit's main process, whose child we are.
    if usec <= 0:
        return None
    return usec / 2e6


def start(clock=None):
    """Tell systemd the kiosk is up and feed the watchdog from `clock` (Kivy's by default).

    The ping runs on the UI thread between frames: if a callback blocks, the pings stop."""
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    if clock is None:
        from kivy.clock import Clock as clock
    notify("READY=1\nSTATUS=" + t("watchdog.running"))
    every = interval_s()
    if every is None:
        return None
    log.info("systemd watchdog: pinging every %.1f s", every)
    return clock.schedule_interval(lambda *_: notify("WATCHDOG=1"), every)
