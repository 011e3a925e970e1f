"""Check my request: the receipt's four digits on the big keypad -> its state in words and voice.

Answers come from the kiosk's own outbox, which the sync worker keeps up to date, so this works
offline too (the state is then as last heard from the server).
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty

from screens.texts import spoken_digits, t
from screens.widgets import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

RECEIPT_DIGITS = 4


class StatusScreen(KioskScreen):
    answer = StringProperty("")       # the state in words, shown large
    kind = StringProperty("ok")       # ok | warn | error (widgets Notice)
    note = StringProperty("")         # the cadre's public note, if any

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        App.get_running_app().bind(on_reset=lambda *_: self.clear())

    def clear(self) -> None:
        self.ids.keypad.value = ""
        self.answer = ""
        self.note = ""

    def on_pre_enter(self, *_):
        self.clear()

    def narration(self) -> str:
        return App.get_running_app().t("status.narration")

    def lookup(self, digits: str) -> None:
        app = App.get_running_app()
        self.note = ""
        if len(digits) != RECEIPT_DIGITS:
            self.answer, self.kind = app.t("status.need_four"), "warn"
            app.say(self.answer)
            return
        found = app.services.outbox.status(f"{app.services.config['post']['code']}-{digits}")
        if found is None:
            self.kind = "error"
            self.answer = app.t("status.not_found_slip" if app.services.printer is not None else "status.not_found")
            app.say(self.answer)
            return
        catalog = app.services.catalog
        label = catalog.get(found["category"]).label if found["category"] in catalog else found["category"]
        self.answer, self.kind = t("status.answer", category=label, state=found["state_label"]), "ok"
        self.note = found["public_note"]
        app.say(app.t("status.result", digits=spoken_digits(digits), category=label, state=found["state_label"],
                      note=found["public_note"]))
