"""The lesson player: one step per screen in huge type, the narration shown and spoken, a drawn phone
screen, 上一步/下一步 and 第3步/共6步; a practice step shows a one-time practice-pay QR and congratulates by
voice when the learner's own phone has paid; the end asks 学会了吗？ (recorded as progress through the
outbox) and shows a QR to take the lesson home.
"""

from __future__ import annotations

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
from screens.widgets import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

PRACTICE_STATES = ("waiting", "new", "scanned", "done", "expired")   # each has lesson.practice_<state>


# Chinese is wrapped by character count (every Han character is one em wide); these never start a line.
NO_LINE_START = "，。、；：？！）》」』”’…"


def cjk_wrap(text: str, width: float, font_size: float) -> str:
    per_line = max(1, int(width / font_size) - 1)
    lines: list[str] = []
    rest = text
    while len(rest) > per_line:
        cut = per_line
        while cut > 1 and rest[cut] in NO_LINE_START:
            cut -= 1          # carry the last character down with the punctuation
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return "\n".join(lines)


class Caption(Label):
    pass


class PracticeOver(BoxLayout):
    """Where the used (or expired) practice code was: the outcome and 再练一次 for a fresh code."""

    success = BooleanProperty(True)

    def __init__(self, again, **kwargs):
        super().__init__(**kwargs)
        self.again = again


class LessonScreen(KioskScreen):
    STATES = ("every_step", "end", "in_class", "missing")
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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._watcher = None
        self._practice_gen = 0
        self.practice_url = ""

    @staticmethod
    def wrap(text: str, width: float, font_size: float) -> str:
        return cjk_wrap(text, width, font_size) if width > font_size else text

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
            self.index, self.count, self.at_end = 0, 1, False
            return
        self.title = lesson.title
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
    LINE = 1.4   # a wrapped line's height per font size, with room to spare (WenQuanYi: about 1.25)

    def fit_type(self, *_) -> None:
        """The biggest type that fits the left column: class mode draws bigger for a room, but a long step 1
        must never push its words up into the header (issue 13.6). Never below the minimum sizes."""
        app = App.get_running_app()
        left = self.ids.left
        room = left.height - app.rp(theme.BUTTON) * 2 - app.rp(20) * 5   # the buttons row, a status line, gaps
        width = left.width
        if width <= 0 or room <= 0:
            return
        step_sizes = (theme.TEXT_HUGE * 1.2, theme.TEXT_HUGE, 80, 72, 64) if self.in_class else (theme.TEXT_HUGE, 80, 72, 64)
        narration_sizes = (60, 52, 48, 44) if self.in_class else (52, 48, 44)

        def lines(text: str, size: float) -> int:
            return len(self.wrap(text, width, size).split("\n")) if text else 0

        for s in step_sizes:
            for n in narration_sizes:
                need = (lines(self.step_text, app.rp(s)) * app.rp(s) + lines(self.narration_text, app.rp(n)) * app.rp(n)
                        * 1.2) * self.LINE
                if need <= room:
                    self.step_font, self.narration_font = app.rp(s), app.rp(n)
                    return
        self.step_font, self.narration_font = app.rp(step_sizes[-1]), app.rp(narration_sizes[-1])

    # -- steps ---------------------------------------------------------------
    def _show(self) -> None:
        self._stop_practice()
        svc = App.get_running_app().services.lessons
        right = self.ids.right
        right.clear_widgets()
        self.status_text, self.status_kind = "", "ok"
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

    def _qr(self, data: str, caption: str) -> QRCodeWidget:
        box = BoxLayout(orientation="vertical", spacing=App.get_running_app().rp(12))
        qr = QRCodeWidget(data=data)
        box.add_widget(qr)
        box.add_widget(Caption(text=caption))
        self.ids.right.add_widget(box)
        return qr

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
        self.ids.right.clear_widgets()
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
        self._qr(self.practice_url, t("lesson.practice_qr"))
        self.status_text = t("lesson.practice_new")
        self._watcher = PracticeWatcher(
            svc.client, result["token"],
            lambda state: Clock.schedule_once(lambda *_: self._practice_state(gen, state))).start()

    def _practice_failed(self, gen: int, message: str) -> None:
        if gen != self._practice_gen:
            return
        self.status_text, self.status_kind = t("lesson.practice_failed", reason=message), "error"
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
            self.ids.right.clear_widgets()
            self.ids.right.add_widget(PracticeOver(self.practise_again, success=state == "done"))
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
