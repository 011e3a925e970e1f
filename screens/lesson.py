"""The lesson player: one step per screen in huge type, the narration shown and spoken, a drawn phone
screen, 上一步/下一步 and 第3步/共6步; a practice step shows a one-time practice-pay QR and congratulates by
voice when the learner's own phone has paid; the end asks 学会了吗？ (recorded as progress through the
outbox) and shows a QR to take the lesson home.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from assets.texts import speakable, t
from screens import theme
from screens.phonesketch import PhoneSketch
from screens.qrwidget import QRCodeWidget
from screens.widgets import KioskScreen, Notice, cjk_wrap

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

PRACTICE_STATES = ("waiting", "new", "scanned", "done", "expired")   # each has lesson.practice_<state>


def lines(text: str, width: float, font_size: float) -> int:
    return len(cjk_wrap(text, width, font_size).split("\n")) if text else 0


log = logging.getLogger(__name__)

class Caption(Label):
    pass


class PracticeOver(BoxLayout):
    """Where the used (or expired) practice code was: the outcome and 再练一次 for a fresh code."""

    success = BooleanProperty(True)

    def __init__(self, again, **kwargs):
        super().__init__(**kwargs)
        self.again = again


class LessonScreen(KioskScreen):
    STATES = ("every_step", "end", "in_class", "missing", "practice_failed", "practice_qr", "practice_scanned",
              "practice_done", "practice_expired")
    title = StringProperty("")
    step_text = StringProperty("")
    narration_text = StringProperty("")
    progress_text = StringProperty("")
    status_text = StringProperty("")
    index = NumericProperty(0)
    count = NumericProperty(1)
    at_end = BooleanProperty(False)
    in_class = BooleanProperty(False)
    practice_over = BooleanProperty(False)   # done or expired: 再练一次 gets a fresh one-time code
    status_kind = StringProperty("ok")       # widgets Notice: ok | warn | error
    missing = BooleanProperty(False)         # entered with no lesson chosen: a safe page, no steps
    step_font = NumericProperty(96)          # real px, set by fit_type()
    narration_font = NumericProperty(52)
    right_ref = NumericProperty(640)         # the phone's (or QR's) column, reference px
    notice_ref = NumericProperty(theme.TEXT_BIG)
    practice = BooleanProperty(False)        # a practice step: its message stands above its QR

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._watcher = None
        self._practice_gen = 0
        self.practice_url = ""
        self._practice_notice = notice = Notice(text=self.status_text, kind=self.status_kind, font_ref=self.notice_ref)
        self.bind(status_text=notice.setter("text"), status_kind=notice.setter("kind"),
                  notice_ref=notice.setter("font_ref"))

    wrap = staticmethod(cjk_wrap)

    @property
    def lesson_steps(self):
        return App.get_running_app().services.lessons.current.steps

    @property
    def idle_reset(self) -> bool:
        return not self.in_class      # a class in progress is never reset for idleness

    # -- entering/leaving ----------------------------------------------------
    def on_pre_enter(self, *_):
        svc = App.get_running_app().services.lessons
        lesson = svc.current
        self.in_class = svc.session is not None
        self.missing = lesson is None
        if lesson is None:   # reached without a lesson (a stale history entry, a reset): say where to go
            self._stop_practice()
            self.ids.right.clear_widgets()
            self.title, self.progress_text, self.narration_text = t("lesson.missing_title"), "", ""
            self.step_text, self.status_text, self.status_kind = "", t("lesson.missing"), "warn"
            self.index, self.count, self.at_end, self.practice = 0, 1, False, False
            return
        self.title = lesson.title
        self.practice = False
        self.count = len(lesson.steps)
        self.index = 0
        self.at_end = False
        self._show()

    def on_leave(self, *_):
        self._stop_practice()

    def narration(self) -> str:
        svc = App.get_running_app().services.lessons
        if self.missing or svc.current is None:
            return t("lesson.missing")
        if self.at_end:
            return t("lesson.end_say")
        text = t("lesson.say_step", step=self.index + 1, narration=self.narration_text)
        if self.index == 0:
            text = t("lesson.say_first", title=svc.current.title, summary=svc.current.summary, first_step=text)
        return speakable(text)

    # -- type sizes ----------------------------------------------------------
    HEADER = 90          # the title row, reference px
    LEFT_GAP = 16
    LINE_HEIGHT = 1.15   # the narration's line spacing
    LINE = 1.3           # a line's height per font size (WenQuanYi draws about 1.2), with room to spare

    def fit_type(self, *_) -> None:
        """The biggest type that fits: the step across the whole width, the narration (and a message) beside the
        phone above the buttons. Class mode draws bigger for a room, but a long step must never push words into
        the header (issue 13.6), and on a 15.6" screen everything must still fit at the minimum sizes."""
        app = App.get_running_app()
        rp = app.rp
        compact = theme.is_compact(self.height, app.scale)
        self.right_ref = (480 if self.practice else 380) if compact else 640
        self.notice_ref = theme.TEXT if compact else theme.TEXT_BIG
        width = self.width - 2 * rp(theme.PAD)
        left = width - rp(theme.GAP + self.right_ref)
        room = self.height - 2 * rp(theme.PAD) - rp(self.HEADER) - rp(theme.BUTTON) * 2 - 3 * rp(theme.GAP)
        room -= 3 * rp(self.LEFT_GAP)
        if left <= 0 or room <= 0:
            return
        if self.status_text and not self.practice:   # the Notice: pictograph, then its words wrapped beside it
            n = rp(self.notice_ref)
            room -= lines(self.status_text, left - n * 1.5 - rp(16), n) * n * self.LINE + rp(8)
        step_sizes = (theme.TEXT_HUGE * 1.2, theme.TEXT_HUGE, 80, 72, 64) if self.in_class else (theme.TEXT_HUGE, 80, 72, 64)
        narration_sizes = (60, 52, 48, 44) if self.in_class else (52, 48, 44)
        for s in step_sizes:
            for n in narration_sizes:
                need = (lines(self.step_text, width, rp(s)) * rp(s)
                        + lines(self.narration_text, left, rp(n)) * rp(n) * self.LINE_HEIGHT) * self.LINE
                if need <= room:
                    self.step_font, self.narration_font = rp(s), rp(n)
                    return
        self.step_font, self.narration_font = rp(step_sizes[-1]), rp(narration_sizes[-1])

    # -- steps ---------------------------------------------------------------
    def _show(self) -> None:
        self._stop_practice()
        svc = App.get_running_app().services.lessons
        right = self.ids.right
        right.clear_widgets()
        self.status_text, self.status_kind = "", "ok"
        self.practice = not self.at_end and svc.current.steps[self.index].practice
        if self.at_end:
            self.progress_text = t("lesson.progress_end", count=self.count)
            self.step_text = t("lesson.end_title")
            self.narration_text = t("lesson.end_hint")
            self.fit_type()
            self._qr(svc.lesson_url(svc.current.id), t("lesson.take_home"))
            return
        step = svc.current.steps[self.index]
        self.progress_text = t("lesson.progress", step=self.index + 1, count=self.count)
        self.step_text = step.text
        self.narration_text = step.narration
        self.fit_type()
        if step.practice:
            self._start_practice()
        else:
            right.add_widget(PhoneSketch(elements=[dict(e) for e in step.sketch]))

    def _qr(self, data: str, caption: str) -> None:
        box = self._qr_box(data)
        box.add_widget(Caption(text=caption))
        self.ids.right.add_widget(box)

    @staticmethod
    def _qr_box(data: str) -> BoxLayout:
        box = BoxLayout(orientation="vertical", spacing=App.get_running_app().rp(12))
        box.add_widget(QRCodeWidget(data=data))
        return box

    def _practice_column(self, below=None) -> None:
        """The practice's message (waiting, scan this, scanned, paid, expired, failed) above its QR or outcome."""
        right = self.ids.right
        right.clear_widgets()
        right.add_widget(self._practice_notice)
        if below is not None:
            right.add_widget(below)

    def go_step(self, delta: int) -> None:
        app = App.get_running_app()
        if self.missing:
            return
        if self.at_end:
            if delta < 0:
                self.at_end = False
                self.index = self.count - 1
        elif self.index + delta >= self.count:
            self.at_end = True
        else:
            self.index = max(0, self.index + delta)
        self._show()
        app.say(self.narration())

    def learned(self, ok: bool) -> None:
        app = App.get_running_app()
        svc = app.services.lessons
        if ok and self.in_class:
            svc.awaiting_results = True   # the class screen asks who learned it, learner by learner
            app.go("class")
            return
        svc.record("finished" if ok else "again")
        if ok:
            svc.praise = t("lesson.praise")   # the lesson list says it first
            app.back()
        else:
            self.at_end = False
            self.index = 0
            self._show()
            app.say(t("lesson.again") + self.narration())

    # -- practice ------------------------------------------------------------
    def practise_again(self) -> None:
        self._stop_practice()
        self._start_practice()

    def _start_practice(self) -> None:
        app = App.get_running_app()
        svc = app.services.lessons
        self._practice_column()
        self.practice_over = False
        self._practice_gen += 1
        gen = self._practice_gen
        self.status_text, self.status_kind = t("lesson.practice_waiting"), "ok"
        self.practice_url = ""
        lesson_id = svc.current.id

        def ask():
            from sync.client import LessonsClientError

            try:
                result = svc.client.new_practice(lesson_id)
            except LessonsClientError as exc:
                why = str(exc)
                Clock.schedule_once(lambda *_: self._practice_failed(gen, why))
                return
            Clock.schedule_once(lambda *_: self._practice_ready(gen, result))
        threading.Thread(target=ask, name="practice-token", daemon=True).start()

    def _practice_ready(self, gen: int, result: dict) -> None:
        if gen != self._practice_gen:
            return   # the learner moved on meanwhile
        from sync.client import PracticeWatcher

        svc = App.get_running_app().services.lessons
        self.practice_url = svc.practice_url(result["path"])
        self._practice_column(self._qr_box(self.practice_url))
        self.status_text, self.status_kind = t("lesson.practice_new"), "ok"
        self._watcher = PracticeWatcher(
            svc.client, result["token"],
            lambda state: Clock.schedule_once(lambda *_: self._practice_state(gen, state))).start()

    def _practice_failed(self, gen: int, message: str) -> None:
        if gen != self._practice_gen:
            return
        log.info("practice code not opened: %s", message)   # the cause is for the log; the resident hears what to do
        self.status_text, self.status_kind = t("lesson.practice_failed"), "error"
        App.get_running_app().say(self.status_text)

    def _practice_state(self, gen: int, state: str) -> None:
        if gen != self._practice_gen:
            return
        app = App.get_running_app()
        if state.startswith("error:"):
            return   # keep polling quietly; the network may come back
        self.status_text = t(f"lesson.practice_{state}") if state in PRACTICE_STATES else ""
        self.status_kind = "warn" if state == "expired" else "ok"
        self.practice_over = state in ("done", "expired")
        if self.practice_over:   # the code is used up: never leave it on screen to be scanned again
            self._practice_column(PracticeOver(self.practise_again, success=state == "done"))
        if state == "scanned":
            app.say(t("lesson.scanned_say"))
        elif state == "done":
            app.services.lessons.record("practice_ok", [None] if self.in_class else None)
            app.say(t("lesson.congratulate"))
        elif state == "expired":
            app.say(self.status_text)

    def _stop_practice(self) -> None:
        self.practice_over = False
        self._practice_gen += 1
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
