"""按住说话: push-to-talk, understand, confirm by voice and screen, then start the request.

Hold the big button and speak (release or a pause ends it; a short tap also works: recording then
ends on silence). Listening runs in a background thread; the result comes back on the UI thread.
A recognised request is always confirmed ("您是要代充燃气吗？") before anything happens, a near-tie is
one question between two with a big button for each; after two failures the screen offers the category
buttons. The dialogue itself is voice/dialogue.py (plain Python, tested without a window); this screen
listens, shows its steps and acts on them. Without a microphone or model it says so and offers the
buttons straight away.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from assets.texts import section
from screens import theme
from screens.widgets import KioskScreen, cjk_wrap

HOLD_S = 0.6   # a press shorter than this is a tap: keep listening until the resident pauses

TEXTS = section("voice")   # the [voice] texts of the one catalogue (assets/texts.toml)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
log = logging.getLogger(__name__)


class VoiceScreen(KioskScreen):
    STATES = ("ready", "listening", "confirm", "ask", "retry", "fallback", "unavailable", "loading")
    state = StringProperty("ready")
    headline = StringProperty("")
    detail = StringProperty("")
    detail_shown = StringProperty("")   # the detail, shortened with … if even the smallest type cannot hold it
    # A problem is said with the shared Notice (widgets.Notice), the same on every screen: not heard is a warning,
    # cannot listen at all an error.
    NOTICE = {"retry": "warn", "fallback": "warn", "unavailable": "error"}
    notice_kind = StringProperty("")
    headline_font = NumericProperty(96)   # real px, set by fit_type()
    detail_font = NumericProperty(60)
    compact = BooleanProperty(False)      # a 15.6" screen: smaller title and button rows
    title_ref = NumericProperty(theme.BUTTON * 0.8)
    actions_ref = NumericProperty(300)
    PANEL_PAD = (48, 24)
    PANEL_GAP = 16
    LINE = 1.3                            # a line's height per font size, with room to spare
    wrap = staticmethod(cjk_wrap)
    failures = NumericProperty(0)
    option_labels = ListProperty(["", ""])   # "ask": the two categories' labels and icons on two big buttons
    option_icons = ListProperty(["", ""])

    ACTIONS = {   # state -> buttons shown, left to right
        "ready": ("talk",), "listening": ("talk",), "retry": ("talk",), "confirm": ("yes", "no", "talk"),
        "ask": ("first", "second", "talk"), "fallback": ("talk", "choose"), "unavailable": ("choose",),
        "loading": ("choose",),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # strong references: kv ids are weak, and buttons leave the tree when a state does not need them
        self._buttons = {k: self.ids[k].__self__ for k in ("yes", "no", "talk", "choose", "first", "second")}
        self.on_state(self, self.state)
        self._matcher = None
        self._dialogue = None
        self._stop: threading.Event | None = None
        self._pressed_at = 0.0
        self._poll = None
        self._said = ""

    # -- life cycle --------------------------------------------------------
    def on_pre_enter(self, *_):
        self.failures = 0
        self._set_idle_state()
        if self._dialogue is not None:
            offer = self._dialogue.begin()   # a second request said last time is offered now
            if offer is not None and self.state == "ready":
                self._step(offer)

    def on_leave(self, *_):
        self._cancel()
        if self._poll:
            self._poll.cancel()
            self._poll = None

    def narration(self) -> str:
        if self.state in ("confirm", "ask") and self._said:
            return self._said
        return {"ready": TEXTS["ready"], "loading": TEXTS["loading"]}.get(self.state, self.detail)

    def _services(self):
        return App.get_running_app().services

    def _set_idle_state(self) -> None:
        s = self._services()
        mic, rec = getattr(s, "microphone", None), getattr(s, "recognizer", None)
        mic_health = mic.health if mic is not None else TEXTS["no_microphone"]
        if mic is None or mic_health != "ok" or rec is None or (rec.health != "ok" and not _loading(rec)):
            reason = mic_health if mic_health != "ok" else (rec.health if rec is not None else TEXTS["no_model"])
            self._show("unavailable", TEXTS["fallback_short"], TEXTS["unavailable"].format(reason=_plain(reason)))
        elif not rec.ready:
            self._show("loading", TEXTS["fallback_short"], TEXTS["loading"])
            if self._poll is None:
                self._poll = Clock.schedule_interval(self._check_loaded, 0.5)
        else:
            self._show("ready", TEXTS["ready_short"], TEXTS["ready"])

    def _check_loaded(self, *_):
        rec = getattr(self._services(), "recognizer", None)
        if rec is None or rec.ready or not _loading(rec):
            self._poll.cancel()
            self._poll = None
            if self.state == "loading":
                self._set_idle_state()
                App.get_running_app().say(self.narration())

    def on_state(self, _screen, state: str) -> None:
        row = self.ids.actions
        row.clear_widgets()
        for name in self.ACTIONS.get(state, ()):
            row.add_widget(self._buttons[name])

    def _show(self, state: str, headline: str, detail: str) -> None:
        self.state, self.headline, self.detail = state, headline, detail
        self.notice_kind = self.NOTICE.get(state, "")
        self.fit_type()

    def fit_type(self, *_) -> None:
        """The biggest headline and detail that fit between the title and the buttons (a 15.6" screen has 785
        reference px of height); a detail too long even at the smallest size (a long transcript) ends in …."""
        app = App.get_running_app()
        if app is None or self.width <= 0:
            return
        rp = app.rp
        self.compact = compact = theme.is_compact(self.height, app.scale)
        self.title_ref = 80 if compact else theme.BUTTON * 0.8
        self.actions_ref = 180 if compact else 300
        width = self.width - 2 * rp(theme.PAD) - 2 * rp(self.PANEL_PAD[0])
        room = (self.height - 2 * rp(theme.PAD) - rp(self.title_ref + self.actions_ref + theme.BUTTON)
                - 3 * rp(theme.GAP) - 2 * rp(self.PANEL_PAD[1]) - rp(self.PANEL_GAP))

        def lines(text: str, w: float, size: float) -> int:
            return len(cjk_wrap(text, w, size).split("\n")) if text else 0

        def head(h: float) -> float:   # the Notice puts its pictograph before the words
            w = width - (h * 1.5 + rp(16) if self.notice_kind else 0)
            return lines(self.headline, w, h) * h * self.LINE

        for h in (theme.TEXT_HUGE, 80, 72, theme.TEXT_BIG):
            for d in (theme.TEXT_BIG, 52, 48, theme.TEXT):
                if head(rp(h)) + lines(self.detail, width, rp(d)) * rp(d) * self.LINE <= room:
                    self.headline_font, self.detail_font, self.detail_shown = rp(h), rp(d), self.detail
                    return
        h, d = rp(theme.TEXT_BIG), rp(theme.TEXT)
        self.headline_font, self.detail_font = h, d
        keep = max(1, int((room - head(h)) / (d * self.LINE)))
        shown = cjk_wrap(self.detail, width, d).split("\n")
        self.detail_shown = self.detail if len(shown) <= keep else "".join(shown[:keep])[:-1] + "…"

    # -- push to talk ------------------------------------------------------
    def press(self) -> None:
        if self.state not in ("ready", "confirm", "ask", "retry", "fallback") or self._stop is not None:
            return
        app = App.get_running_app()
        s = app.services
        s.speaker.stop()   # the resident talks over the kiosk: stop narrating and listen
        self._pressed_at = time.monotonic()
        self._stop = threading.Event()
        asking = self.state if self.state in ("confirm", "ask") else "request"
        # the words an answer may have, read here on the UI thread while the dialogue is not moving
        words = (tuple(self.dialogue().answer_words({c.id: list(c.phrases) for c in s.catalog.categories}))
                 if asking != "request" else ())
        self._before = (self.state, self.headline, self.detail)
        self._show("listening", TEXTS["listening"], TEXTS["listening_hint"])
        v = s.config["voice"]
        threading.Thread(target=self._listen, name="voice-listen", daemon=True,
                         args=(s.microphone, s.recognizer, self._stop, s.speaker, v, asking, words)).start()

    def release(self) -> None:
        if self._stop is not None and time.monotonic() - self._pressed_at >= HOLD_S:
            self._stop.set()   # held and let go: that is the end of the utterance

    def _cancel(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _listen(self, mic, rec, stop, speaker, v, asking, words) -> None:
        from voice.listen import Heard, listen

        try:
            grammar = self._answer_grammar(rec, words) if words else None
            heard = listen(mic, rec, grammar=grammar, max_s=v["max_utterance_s"], end_silence_s=v["end_silence_s"],
                           stop=stop, speaking=lambda: speaker.speaking)
        except Exception as exc:  # noqa: BLE001 - a microphone that vanished mid-way: say so, keep the screen
            log.warning("listening failed: %s", exc)
            heard = Heard("", "error", 0.0, 0.0)
        Clock.schedule_once(lambda _dt: self._heard(heard, asking, stop))

    def _answer_grammar(self, rec, words: tuple[str, ...]):
        """Answers to 您是要…吗 are few: 是/不是/回首页… or another request; to 'A, or B?' fewer still (a
        two-answer grammar). A grammar of those words makes a short 是 hard to mishear; only with a model
        that has [unk] for everything else."""
        if not hasattr(rec, "grammar") or not rec.ready:
            return None
        cached = getattr(self, "_grammar", None)
        if cached is None or cached[0] is not rec or cached[1] != words:
            g = rec.grammar(list(words))
            self._grammar = cached = (rec, words, g if g.has_unk else None)
        return cached[2]

    # -- understanding -------------------------------------------------------
    def matcher(self):
        """The intent matcher with the post's learned phrases (sync/learned.py) as of the last sync."""
        s = self._services()
        learned = getattr(s, "learned", None)
        known = {c.id for c in s.catalog.categories}
        if self._matcher is not None and learned is not None and not learned.apply(self._matcher, known):
            self._matcher = None   # a phrase was relabelled on the server: start again from the catalog
        if self._matcher is None:
            from voice.intents import IntentMatcher

            self._matcher = IntentMatcher.from_catalog(s.catalog)
            if learned is not None:
                learned.apply(self._matcher, known)
            if self._dialogue is not None:
                self._dialogue.matcher = self._matcher
        return self._matcher

    def dialogue(self):
        if self._dialogue is None:
            from voice.dialogue import Dialogue

            labels = {c.id: c.label for c in self._services().catalog.categories}
            self._dialogue = Dialogue(self.matcher(), labels, TEXTS,
                                      unplaced=getattr(self._services(), "share_unplaced", None))
            # the idle reset forgets a second request still to offer: it must not reach the next resident
            App.get_running_app().bind(on_reset=lambda *_: self._dialogue.forget())
        return self._dialogue

    def _heard(self, heard, asking: str, stop) -> None:
        if stop is not self._stop:
            return          # left the screen or started again meanwhile
        self._stop = None
        if self.manager is None or self.manager.current != self.name:
            return
        log.info("heard %r (%s, %.1f s)", heard.text, heard.reason, heard.speech_s)
        self._show(*self._before)   # back to what was on screen while listening; the answer decides what next
        self.matcher()              # phrases learned since the last utterance count at once
        self._step(self.dialogue().heard(heard.text, silent=heard.reason in ("no_speech", "error")))

    def _step(self, step) -> None:
        """Show and say one step of the dialogue, or do what it asks."""
        app = App.get_running_app()
        self.failures = self.dialogue().failures
        if step is None:
            return
        if step.start:
            return app.start_request(step.start, channel="voice", transcript=step.transcript)
        if step.go == "home":
            return app.home()
        if step.go:
            return app.choose(step.go)
        if step.options:
            cats = [self._services().catalog.get(c) for c in step.options]
            self.option_labels, self.option_icons = [c.label for c in cats], [c.icon for c in cats]
        self._said = step.say
        self._show(step.state, step.headline, step.detail)
        app.say(step.say)

    # -- answers -------------------------------------------------------------
    def confirm(self) -> None:
        if self.state == "confirm":
            self._step(self.dialogue().yes())

    def reject(self) -> None:
        if self.state == "confirm":
            self._step(self.dialogue().no())

    def pick(self, index: int) -> None:
        d = self.dialogue()
        if self.state == "ask" and index < len(d.options):
            self._step(d.pick(d.options[index]))

    def choose_by_touch(self) -> None:
        App.get_running_app().go("categories")


def _loading(rec) -> bool:
    return not rec.ready and not getattr(rec, "error", None)


def _plain(reason: str) -> str:
    """Health sentences may carry a device error in brackets: keep the words a resident understands."""
    import re

    reason = re.sub(r"（[^）]*）", "", reason).split("，")[0].strip("。 ")
    return reason + "。"
