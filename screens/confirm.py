"""Confirm: the request shown one fact a line and read back in one sentence; 确认提交 or 返回修改."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty

from assets.texts import spoken_digits, spoken_numbers, spoken_phone, t
from screens.widgets import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def address(draft) -> str:
    room = t("confirm.room", room=draft["room"]) if draft["room"] else ""
    return f"{draft['building']}{draft['unit']}{room}"


def spoken_summary(app) -> str:
    """The request in one sentence, numbers written as Chinese words so TTS reads them right."""
    d = app.draft
    label = app.services.catalog.get(d["category"]).label if d["category"] in app.services.catalog else ""
    room = t("confirm.room", room=spoken_digits(d["room"]).replace(" ", "")) if d["room"] else ""   # 五零二室
    where = spoken_numbers(f"{d['building']}{d['unit']}") + room                  # 三号楼二单元
    return app.t(
        "confirm.sentence", who=d["name"] or app.t("confirm.nobody"), label=label,
        where=app.t("confirm.where", address=where) if where else app.t("confirm.nowhere"),
        phone=app.t("confirm.phone", digits=spoken_phone(d["phone"])) if d["phone"] else app.t("confirm.nophone"),
    )


class ConfirmScreen(KioskScreen):
    category = StringProperty("")
    category_icon = StringProperty("")
    who = StringProperty("")
    where = StringProperty("")
    phone = StringProperty("")

    def on_pre_enter(self, *_):
        app = App.get_running_app()
        d = app.draft
        cat = app.services.catalog.get(d["category"]) if d["category"] in app.services.catalog else None
        self.category, self.category_icon = (cat.label, cat.icon) if cat else ("", "")
        self.who = d["name"]
        self.where = address(d)
        self.phone = d["phone"] or app.t("confirm.nophone")

    def narration(self) -> str:
        app = App.get_running_app()
        return spoken_summary(app) + app.t("confirm.ask")
