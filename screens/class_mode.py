"""Class mode (老师上课): teacher PIN, choose the lesson, take attendance from the post's roster (from the
server, plus learners added here), then the lesson player runs room-sized with the teacher advancing steps.

A new learner is added without typing: building, unit, then room number on the big keypad.
Attendance and progress are queued in the durable outbox (kind "lesson_progress").
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from assets.texts import speakable, t
from screens import theme
from screens.paging import pages
from screens.widgets import BigButton, Keypad, KioskScreen, Notice, cell_width, cjk_wrap

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

LEARNERS_PER_PAGE = 4   # + add a learner + start the class = six choices


class ClassScreen(KioskScreen):
    STATES = ("pin", "pin_typed", "pin_wrong", "lesson", "lesson_page_2", "roster", "roster_nobody", "roster_page_2",
              "building", "unit", "room", "room_typed", "results")
    stage = StringProperty("pin")     # pin | lesson | roster | building | unit | room
    heading = StringProperty("")
    message = StringProperty("")
    page = NumericProperty(0)
    page_count = NumericProperty(1)
    idle_reset = False                # a teacher mid-class must not be sent home

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lesson_id = ""
        self.roster: list[dict] = []
        self.present: set[str] = set()
        self.new_learner: dict = {}
        self.learned: set[str] = set()
        self._keypad_note = None

    # -- helpers -------------------------------------------------------------
    @property
    def _svc(self):
        return App.get_running_app().services.lessons

    def _cache(self) -> Path:
        return self._svc.dir / "roster.json"

    def _button(self, text, on, *, icon="", colour=theme.PRIMARY, nav=False):
        b = BigButton(text=text, icon=icon, colour=theme.rgba(colour), nav=nav).fit_words(cell_width(3))
        b.bind(on_release=lambda *_: on())
        return b

    def on_pre_enter(self, *_):
        if self._svc.session is not None and self._svc.awaiting_results:
            self.learned = {x["uuid"] for x in self._svc.present}   # everyone, until the teacher says otherwise
            self.show("results")
            return
        self.present = set()
        self.show("pin")

    def narration(self) -> str:
        return speakable(self.heading)

    def show(self, stage: str, page: int = 0) -> None:
        self.stage = stage
        self.page = page
        self.message = ""
        body = self.ids.body
        body.clear_widgets()
        getattr(self, f"_show_{stage}")(body)

    def turn(self, delta: int) -> None:
        self.show(self.stage, max(0, min(self.page_count - 1, self.page + delta)))

    # -- PIN -----------------------------------------------------------------
    def _show_pin(self, body) -> None:
        self.heading = t("class.pin")
        self.page_count = 1
        body.cols = 1
        pad = Keypad(max_length=8, speak=False)
        pad.bind(on_done=lambda _w, value: self.check_pin(value))
        self._typed(body, pad, secret=True)
        body.add_widget(pad)

    def check_pin(self, pin: str) -> None:
        app = App.get_running_app()
        if pin != app.services.config["kiosk"]["teacher_pin"]:
            self.show("pin")
            self.message = t("class.pin_wrong")
            app.say(self.message)
            return
        self.show("lesson")
        app.say(self.heading)

    # -- lesson --------------------------------------------------------------
    def _show_lesson(self, body) -> None:
        self.heading = t("class.which_lesson")
        ids = pages(list(self._svc.lessons))
        self.page_count = len(ids)
        body.cols = 3
        for lid in ids[self.page]:
            body.add_widget(self._button(self._svc.lessons[lid].title, lambda lid=lid: self.pick_lesson(lid)))

    def pick_lesson(self, lesson_id: str) -> None:
        self.lesson_id = lesson_id
        self.show("roster")
        App.get_running_app().say(t("class.roster_say"))
        self.load_roster()

    # -- roster --------------------------------------------------------------
    def load_roster(self) -> None:
        """Cached learners at once; the server's roster when it answers."""
        try:
            self.roster = json.loads(self._cache().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.roster = []
        self.show("roster", self.page)

        def fetch():
            from sync.client import LessonsClientError

            try:
                remote = self._svc.client.roster()
            except LessonsClientError as exc:
                why = str(exc)
                Clock.schedule_once(lambda *_: self._roster_failed(why))
                return
            Clock.schedule_once(lambda *_: self._merge_roster(remote))
        threading.Thread(target=fetch, name="roster", daemon=True).start()

    def _roster_failed(self, why: str) -> None:
        if self.stage == "roster":
            self.message = t("class.roster_failed", reason=why)

    def _merge_roster(self, remote: list[dict]) -> None:
        known = {x["uuid"] for x in remote}
        self.roster = remote + [x for x in self.roster if x["uuid"] not in known]
        self._save_roster()
        if self.stage == "roster":
            self.show("roster", self.page)

    def _save_roster(self) -> None:
        path = self._cache()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.roster, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def _show_roster(self, body) -> None:
        n = len(self.present)
        self.heading = t("class.roster", lesson=self._svc.lessons[self.lesson_id].title, count=n)
        chunks = pages(self.roster, LEARNERS_PER_PAGE) if self.roster else [[]]
        self.page_count = len(chunks)
        self.page = min(self.page, self.page_count - 1)
        body.cols = 3
        for learner in chunks[self.page]:
            here = learner["uuid"] in self.present
            body.add_widget(self._button(("✔ " if here else "") + learner["name"],
                                         lambda x=learner: self.toggle(x), colour=theme.OK if here else theme.NAV))
        body.add_widget(self._button(t("class.add"), lambda: self.show("building"), icon="➕", colour=theme.PRIMARY))
        body.add_widget(self._button(t("class.start", count=n), self.start, icon="▶", colour=theme.ACCENT))

    def toggle(self, learner: dict) -> None:
        self.present ^= {learner["uuid"]}
        self.show("roster", self.page)
        App.get_running_app().say(t("class.present" if learner["uuid"] in self.present else "class.absent",
                                    name=learner["name"]))

    # -- a new learner by picked address -------------------------------------
    def _show_building(self, body) -> None:
        self.heading = t("class.building")
        self.page_count = 1
        body.cols = 3
        for b in App.get_running_app().services.config["post"]["buildings"][:6]:
            body.add_widget(self._button(b, lambda b=b: self._pick("building", b, "unit")))

    def _show_unit(self, body) -> None:
        self.heading = t("class.unit", building=self.new_learner["building"])
        self.page_count = 1
        body.cols = 3
        for u in App.get_running_app().services.config["post"]["units"][:6]:
            body.add_widget(self._button(u, lambda u=u: self._pick("unit", u, "room")))

    def _show_room(self, body) -> None:
        self.heading = t("class.room", building=self.new_learner["building"], unit=self.new_learner["unit"])
        self.page_count = 1
        body.cols = 1
        pad = Keypad(max_length=4)
        pad.bind(on_done=lambda _w, value: self.add_learner(value))
        self._typed(body, pad, secret=False)
        body.add_widget(pad)

    def _typed(self, body, pad, *, secret: bool) -> None:
        """What has been typed, beside the keypad: the room's digits (a wrong room is seen before 确定), a
        PIN's digits as dots; the question and a wrong PIN's message above them, as on the 查进度 keypad (a title
        row above the keypad leaves a 15.6" screen no room for its four rows)."""
        app = App.get_running_app()
        body.cols = 2
        box = BoxLayout(orientation="vertical", size_hint=(None, None), size=(app.rp(560), pad.height),
                        spacing=app.rp(theme.GAP))
        width, size = app.rp(560), app.rp(theme.TEXT_BIG)
        heading = Label(text=cjk_wrap(self.heading, width, size), font_size=size, bold=True, color=theme.rgba(theme.FG),
                        halign="left", valign="top", text_size=(width, None), size_hint_y=None)
        heading.bind(texture_size=lambda w, ts: setattr(w, "height", ts[1]))
        note = self._keypad_note
        if note is None:   # one, moved to each keypad stage's box: a binding per stage shown would pile up
            note = self._keypad_note = Notice(kind="error", font_ref=theme.TEXT, text=self.message)
            self.bind(message=note.setter("text"))
        if note.parent is not None:
            note.parent.remove_widget(note)
        shown = Label(font_size=app.rp(theme.TEXT_HUGE), bold=True, color=theme.rgba(theme.PRIMARY))
        blank = "_ _ _ _"

        def update(*_):
            shown.text = (("● " * len(pad.value)).strip() if secret else " ".join(pad.value)) or blank
        pad.bind(value=update, height=lambda *_: setattr(box, "height", pad.height))
        update()
        box.add_widget(heading)
        box.add_widget(note)
        box.add_widget(shown)
        body.add_widget(box)

    def _pick(self, field: str, value: str, then: str) -> None:
        if field == "building":
            self.new_learner = {}
        self.new_learner[field] = value
        self.show(then)
        App.get_running_app().say(self.heading)

    def add_learner(self, room: str) -> None:
        app = App.get_running_app()
        if not room:
            app.say(t("class.room_needed"))
            return
        nl = self.new_learner
        learner = {"uuid": str(uuid.uuid4()), "name": t("class.learner", building=nl["building"], unit=nl["unit"], room=room),
                   "building": nl["building"], "unit": nl["unit"], "room": room}
        self.roster.append(learner)
        self._save_roster()
        self.present.add(learner["uuid"])
        self.show("roster", len(pages(self.roster, LEARNERS_PER_PAGE)) - 1)
        app.say(t("class.added", name=learner["name"]))

    # -- start ---------------------------------------------------------------
    def start(self) -> None:
        app = App.get_running_app()
        if not self.present:
            self.message = t("class.nobody")
            app.say(self.message)
            return
        learners = [x for x in self.roster if x["uuid"] in self.present]
        self._svc.start_class(self.lesson_id, learners)
        app.go("lesson")

    # -- results: who learned it ---------------------------------------------
    def _show_results(self, body) -> None:
        learners = self._svc.present
        self.heading = t("class.results", learned=len(self.learned), count=len(learners))
        chunks = pages(learners, LEARNERS_PER_PAGE)
        self.page_count = len(chunks)
        self.page = min(self.page, self.page_count - 1)
        body.cols = 3
        for learner in chunks[self.page]:
            ok = learner["uuid"] in self.learned
            body.add_widget(self._button(("✔ " if ok else "") + learner["name"], lambda x=learner: self.toggle_learned(x),
                                         colour=theme.OK if ok else theme.NAV))
        body.add_widget(self._button(t("class.finish"), self.finish, icon="✔", colour=theme.ACCENT))

    def toggle_learned(self, learner: dict) -> None:
        self.learned ^= {learner["uuid"]}
        self.show("results", self.page)
        App.get_running_app().say(t("class.learned" if learner["uuid"] in self.learned else "class.not_learned",
                                    name=learner["name"]))

    def finish(self) -> None:
        """One progress item per learner: finished or again; then the class is over."""
        app = App.get_running_app()
        svc = self._svc
        learners = svc.present
        svc.record("finished", [x for x in learners if x["uuid"] in self.learned])
        svc.record("again", [x for x in learners if x["uuid"] not in self.learned])
        n = len(self.learned)
        svc.end_class()
        svc.praise = t("class.praise", count=n)   # said first by the lesson list
        app.home()
        app.go("lessons")

    def back_step(self) -> bool:
        """返回 goes back one stage of class setup before leaving the screen."""
        if self.stage == "results":   # back to the lesson's last page
            self._svc.awaiting_results = False
            return False
        previous = {"lesson": None, "roster": "lesson", "building": "roster", "unit": "building", "room": "unit"}
        target = previous.get(self.stage)
        if target:
            self.show(target)
            return True
        return False
