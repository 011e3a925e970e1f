"""Receipt: the code in huge digits, spoken twice digit by digit, and a QR code to follow it on a phone."""

from __future__ import annotations

import re
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty

import screens.qrwidget  # noqa: F401  (QRCodeWidget for the .kv)
from assets.texts import spoken_digits
from screens.widgets import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def receipt_digits(receipt: str) -> str:
    """The digits a resident says back: the receipt's trailing digits (post code + 4 digits)."""
    m = re.search(r"(\d{4})$", receipt)
    return m.group(1) if m else receipt


def receipt_prefix(receipt: str) -> str:
    return receipt[: len(receipt) - len(receipt_digits(receipt))]


def status_url(app, receipt: str) -> str:
    # ?u= names exactly this request: after a receipt clash between two kiosks the code alone is ambiguous.
    if not receipt:
        return ""
    uuid = getattr(app, "receipt_uuid", "")
    return f"{app.services.config.public_url}/r/{receipt}" + (f"?u={uuid}" if uuid else "")


class ReceiptScreen(KioskScreen):
    STATES = ("shown", "with_printer")
    hint_text = StringProperty("")

    def on_pre_enter(self, *_):
        self.hint_text = hint(App.get_running_app())

    def narration(self) -> str:
        app = App.get_running_app()
        return app.t("receipt.say", digits=spoken_digits(receipt_digits(app.receipt))) + hint(app) + app.t("receipt.scan")


def hint(app) -> str:
    """Take the slip (only when a printer is configured: without one the words never mention a slip)."""
    return app.t("receipt.hint_slip" if app.services.printer is not None else "receipt.hint")
