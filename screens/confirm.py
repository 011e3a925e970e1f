"""Confirm: the request read back in one sentence; 确认提交 or 返回修改."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty

from screens.widgets import KioskScreen, spoken_digits, spoken_numbers, spoken_phone

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def address(draft) -> str:
    room = f"{draft['room']}室" if draft["room"] else ""
    return f"{draft['building']}{draft['unit']}{room}"


def summary(app, *, spoken: bool) -> str:
    """One sentence; spoken numbers are written as Chinese digits so TTS reads them right."""
    d = app.draft
    label = app.services.catalog.get(d["category"]).label if d["category"] in app.services.catalog else ""
    where = address(d)
    if spoken:   # rooms digit by digit (五零二室), buildings and units as numbers (三号楼)
        room = f"{spoken_digits(d['room']).replace(' ', '')}室" if d["room"] else ""
        where = spoken_numbers(f"{d['building']}{d['unit']}") + room
    phone = spoken_phone(d["phone"]) if spoken else d["phone"]
    return app.t(
        "confirm.sentence", who=d["name"] or app.t("confirm.nobody"), label=label,
        where=app.t("confirm.where", address=where) if where else app.t("confirm.nowhere"),
        phone=app.t("confirm.phone", digits=phone) if d["phone"] else app.t("confirm.nophone"),
    )


class ConfirmScreen(KioskScreen):
    text = StringProperty("")

    def on_pre_enter(self, *_):
        self.text = summary(App.get_running_app(), spoken=False)

    def narration(self) -> str:
        app = App.get_running_app()
        return summary(app, spoken=True) + app.t("confirm.ask")
