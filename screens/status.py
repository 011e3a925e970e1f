"""Check my request: the receipt's four digits on the big keypad -> its state in words and voice.

Answers come from the kiosk's own outbox, which the sync worker keeps up to date, so this works
offline too (the state is then as last heard from the server).

Without the code (用电话查): the phone's last four digits, the building, the unit and the room -> the post's
matching requests from the server (kiosk.find: category and state, never names); offline the kiosk checks
only its own queued requests and says so.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from assets.texts import spoken_digits, t
from screens import theme
from screens.paging import grid_cols, pages
from screens.widgets import KioskScreen, Tile

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

log = logging.getLogger(__name__)
RECEIPT_DIGITS = 4
FIND_STEPS = ("phone", "building", "unit", "room")   # then "results"


class StatusScreen(KioskScreen):
    STATES = ("code", "need_four", "not_found", "found", "find_phone", "find_building", "find_unit",
              "find_room", "find_results", "find_offline")
    answer = StringProperty("")       # the state in words, shown large
    kind = StringProperty("ok")       # ok | warn | error (widgets Notice)
    note = StringProperty("")         # the cadre's public note, if any
    compact = BooleanProperty(False)  # a short (15.6") screen: set by the .kv from the window
    mode = StringProperty("code")     # code | phone | building | unit | room | searching | results
    asking = ""                       # the code the server is being asked about (not held on this kiosk)
    found = ListProperty([])          # lines of the find results
    wanted = ListProperty(["", "", "", ""])   # phone tail, building, unit, room

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        App.get_running_app().bind(on_reset=lambda *_: self.clear())

    def clear(self) -> None:
        self.ids.panel.current = "keys"
        self.ids.keypad.max_length = RECEIPT_DIGITS
        self.ids.keypad.value = ""
        self.answer = ""
        self.note = ""
        self.mode = "code"
        self.asking = ""
        self.found = []
        self.wanted = ["", "", "", ""]

    def on_pre_enter(self, *_):
        self.clear()

    def narration(self) -> str:
        if self.mode in FIND_STEPS:
            return t(f"find.say_{self.mode}")
        return App.get_running_app().t("status.narration")

    # -- by code --------------------------------------------------------------
    def entered(self, digits: str) -> None:
        if self.mode == "code":
            self.lookup(digits)
        elif self.mode in ("phone", "room"):
            self.find_step(digits)

    def lookup(self, digits: str) -> None:
        app = App.get_running_app()
        self.note = ""
        if len(digits) != RECEIPT_DIGITS:
            self.answer, self.kind = app.t("status.need_four"), "warn"
            app.say(self.answer)
            return
        code = f"{app.services.config['post']['code']}-{digits}"
        found = app.services.outbox.status(code)
        if found is None:   # given at another kiosk of the post, or by a cadre who took it by phone
            self.asking = code
            self.answer, self.kind = t("find.searching"), "ok"

            def run():
                try:
                    out = app.services.lookup_receipt(code)
                except Exception:   # a bug must not leave the resident on 正在查 for ever
                    log.exception("lookup failed")
                    out = None
                Clock.schedule_once(lambda *_: self._server_answer(code, digits, out))
            threading.Thread(target=run, name="lookup-receipt", daemon=True).start()
            return
        self._answer(digits, found)

    def _server_answer(self, code: str, digits: str, found: dict | None) -> None:
        if self.asking != code or self.mode != "code":
            return   # the resident left, or asked about another code, while the server answered
        self.asking = ""
        self._answer(digits, found)

    def _answer(self, digits: str, found: dict | None) -> None:
        app = App.get_running_app()
        if found is None:
            self.kind = "error"
            self.answer = app.t("status.not_found_slip" if app.services.printer is not None else "status.not_found")
            app.say(self.answer)
            return
        label = self._label(found["category"])
        self.answer, self.kind = t("status.answer", category=label, state=found["state_label"]), "ok"
        self.note = found["public_note"]
        app.say(app.t("status.result", digits=spoken_digits(digits), category=label, state=found["state_label"],
                      note=found["public_note"]))

    @staticmethod
    def _label(category: str) -> str:
        catalog = App.get_running_app().services.catalog
        return catalog.get(category).label if category in catalog else category

    # -- without the code -----------------------------------------------------
    def start_find(self) -> None:
        self.wanted = ["", "", "", ""]
        self.found = []
        self._go("phone")

    def _go(self, mode: str) -> None:
        self.mode = mode
        self.answer, self.note = "", ""
        self.ids.keypad.value = ""
        self.ids.keypad.max_length = 4 if mode in ("phone", "code") else 5
        if mode in ("building", "unit"):
            self._tiles(mode)
        self.ids.panel.current = "tiles" if mode in ("building", "unit") else "keys"
        App.get_running_app().say(self.narration())

    def _tiles(self, mode: str) -> None:
        post = App.get_running_app().services.config["post"]
        options = list(post["buildings"] if mode == "building" else post["units"])[: 6]
        grid = self.ids.choices
        grid.clear_widgets()
        n = len(pages(options)[0])
        grid.cols = 2 if self.compact and n > 1 else grid_cols(n)   # 15.6": a narrower panel, tiles in pairs
        for label in pages(options)[0]:
            tile = Tile(icon="🏢" if mode == "building" else "🚪", text=label, colour=theme.rgba(theme.PRIMARY),
                        text_size_ref=64)
            tile.bind(on_release=lambda _w, v=label: self.find_step(v))
            grid.add_widget(tile)

    def find_step(self, value: str) -> None:
        app = App.get_running_app()
        i = FIND_STEPS.index(self.mode)
        if self.mode == "phone" and len(value) != 4:
            self.answer, self.kind = t("find.need_four"), "warn"
            app.say(self.answer)
            return
        if self.mode == "room" and not value:
            self.answer, self.kind = t("find.need_room"), "warn"
            app.say(self.answer)
            return
        wanted = list(self.wanted)
        wanted[i] = value
        self.wanted = wanted
        if i + 1 < len(FIND_STEPS):
            self._go(FIND_STEPS[i + 1])
        else:
            self._search()

    def back_step(self) -> bool:
        """返回 within 用电话查 goes back one question; from the first, back to the code keypad."""
        if self.mode in FIND_STEPS or self.mode == "results":
            i = FIND_STEPS.index(self.mode) if self.mode in FIND_STEPS else len(FIND_STEPS)
            if i == 0:
                self.clear()
                App.get_running_app().say(self.narration())
            else:
                self._go(FIND_STEPS[i - 1])
            return True
        return False

    def _search(self) -> None:
        app = App.get_running_app()
        self.mode = "searching"
        self.ids.choices.clear_widgets()
        self.ids.panel.current = "tiles"   # nothing to type while the answer comes
        self.answer, self.kind = t("find.searching"), "ok"
        tail, building, unit, room = self.wanted

        def run():
            try:
                out = app.services.find_requests(tail, building, unit, room)   # kiosk.find, as `kiosk find`
            except Exception:   # a bug must not leave the resident on 正在查 for ever
                log.exception("find failed")
                out = {"matches": [], "source": "local"}
            Clock.schedule_once(lambda *_: self._show(out))
        threading.Thread(target=run, name="find-requests", daemon=True).start()

    def _show(self, out: dict) -> None:
        app = App.get_running_app()
        if self.mode != "searching":
            return   # the resident left meanwhile
        self.mode = "results"
        lines = [t("find.line", receipt=m["receipt"][-4:], category=self._label(m["category"]), state=m["state_label"])
                 for m in out["matches"]]
        self.found = lines
        local = out["source"] == "local"
        if not lines:
            self.answer, self.kind = t("find.none_local" if local else "find.none"), "error"
        else:
            self.answer = t("find.found_local" if local else "find.found", count=len(lines))
            self.kind = "warn" if local else "ok"
        said = [t("find.say_line", digits=spoken_digits(m["receipt"][-4:]), category=self._label(m["category"]),
                  state=m["state_label"]) for m in out["matches"]]
        app.say(self.answer + "".join(said))
