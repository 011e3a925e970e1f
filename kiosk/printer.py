"""The printed slip: an ESC/POS thermal printer (python-escpos) prints the receipt code after every submit.

`[printer] device` in kiosk.toml names it: "usb:VID:PID" (e.g. usb:0416:5011), "tcp://HOST[:PORT]" (port
9100 by default), "serial:/dev/ttyUSB0[:BAUD]", or a path (a /dev/usb/lp0 character device, or a plain file
for tests). Empty: no printer, and the kiosk's words never mention a slip.

Chinese text is sent as GB18030 in the printer's Chinese mode (FS &): the printers sold for Chinese counters
have the font built in. The code itself is ASCII digits at 8x size.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from assets.texts import t

log = logging.getLogger(__name__)

CHINESE_ON = b"\x1c\x26"    # FS &: Chinese character mode
CHINESE_OFF = b"\x1c\x2e"   # FS .


@dataclass(frozen=True)
class Slip:
    receipt: str        # WJZ1-0427
    category: str       # the category's label
    when: str           # 2026年11月29日 11:42
    post_name: str
    post_phone: str     # "" = not configured
    status_url: str     # the QR's address (the family's phone)


class PrinterError(RuntimeError):
    """The slip was not printed; the message is Chinese (admin screen, heartbeat)."""


def open_device(device: str):
    """A python-escpos printer for `device` (see the module doc). Opening may raise OSError."""
    from escpos import printer

    if device.startswith("usb:"):
        vid, pid = (int(x, 16) for x in device[4:].split(":")[:2])
        return printer.Usb(vid, pid, timeout=2000)
    if device.startswith("tcp://"):
        host, _, port = device[6:].partition(":")
        return printer.Network(host, int(port or 9100), timeout=3)
    if device.startswith("serial:"):
        path, _, baud = device[7:].partition(":")
        return printer.Serial(path, int(baud or 9600), timeout=2)
    return printer.File(device)


class SlipPrinter:
    """Prints slips and keeps the last health sentence ("ok" or Chinese) for the admin screen and heartbeat."""

    def __init__(self, device: str):
        self.device = device
        self.health = "ok"
        self._lock = threading.Lock()

    def render(self, p, slip: Slip) -> None:
        """The slip's commands onto an open python-escpos printer (also used with escpos's Dummy in tests)."""
        digits = slip.receipt[-4:]
        p.hw("INIT")                                    # ESC @: a clean state whatever printed before
        p.set(align="center")
        self._zh(p, slip.post_name + "\n")
        self._zh(p, t("slip.title") + "\n")
        p.set(align="center", bold=True, custom_size=True, width=8, height=8)
        p.text(digits + "\n")                            # the code, as big as the printer draws
        p.set(align="center", normal_textsize=True)
        p.text(slip.receipt + "\n")
        p.set(align="left", normal_textsize=True)
        self._zh(p, t("slip.category", category=slip.category) + "\n")
        self._zh(p, t("slip.when", when=slip.when) + "\n")
        if slip.post_phone:
            self._zh(p, t("slip.phone", phone=slip.post_phone) + "\n")
        self._zh(p, t("slip.keep") + "\n")
        if slip.status_url:
            p.set(align="center")
            p.qr(slip.status_url, size=7, native=True)
            self._zh(p, t("slip.scan") + "\n")
        p.cut()

    @staticmethod
    def _zh(p, text: str) -> None:
        p._raw(CHINESE_ON + text.encode("gb18030") + CHINESE_OFF)

    def print_slip(self, slip: Slip) -> None:
        """Print one slip now; PrinterError (and self.health set) when it could not be."""
        with self._lock:
            try:
                p = open_device(self.device)
            except Exception as exc:   # python-escpos raises its own classes, USBError, OSError...
                self._fail("printer open failed", exc, "printer.offline")
            try:
                if hasattr(p, "paper_status") and not isinstance(p, _file_class()):
                    if p.paper_status() == 0:
                        self._fail("printer out of paper", None, "printer.paper_out")
                self.render(p, slip)
            except PrinterError:
                raise
            except Exception as exc:
                self._fail("printing failed", exc, "printer.offline")
            finally:
                try:
                    p.close()
                except Exception:   # closing a device that failed is best effort
                    pass
            self.health = "ok"

    def print_in_background(self, slip: Slip) -> threading.Thread:
        """The touch and voice flows: the receipt screen never waits for paper."""
        def run():
            try:
                self.print_slip(slip)
            except PrinterError:
                pass   # logged and in self.health
        thread = threading.Thread(target=run, name="slip-printer", daemon=True)
        thread.start()
        return thread

    def _fail(self, what: str, exc: Exception | None, key: str):
        log.warning("%s (%s): %s", what, self.device, exc)
        self.health = t(key)
        raise PrinterError(self.health)


def _file_class():
    from escpos.printer import File

    return File


def health(printer: SlipPrinter | None) -> str:
    """One sentence for the heartbeat and the admin screen: "ok" or what is wrong (Chinese)."""
    return t("health.no_printer") if printer is None else printer.health
