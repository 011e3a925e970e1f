"""按住说话: push-to-talk, understand, confirm by voice and screen, then start the request.

Hold the big button and speak (release or a pause ends it; a short tap also works: recording then
ends on silence). Listening runs in a background thread; the result comes back on the UI thread.
A recognised request is always confirmed ("您是要代充燃气吗？") before anything happens; after two
failures the screen offers the category buttons. Without a microphone or model it says so and
offers the buttons straight away.
"""

from __future__ import annotations

import logging
import threading
import time
import tomllib
from importlib.resources import files
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty

from screens.widgets import KioskScreen

HOLD_S = 0.6   # a press shorter than this is a tap: keep listening until the resident pauses

TEXTS_PATH = Path(files("assets") / "voice_screen.toml")
TEXTS = tomllib.loads(TEXTS_PATH.read_text(encoding="utf-8"))["voice"]

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
log = logging.getLogger(__name__)


class VoiceScreen(KioskScreen):
    texts = TEXTS   # the .kv reads its words from here
    # ready, listening, confirm, retry, fallback, unavailable, loading
    state = StringProperty("ready")
    headline = StringProperty("")
    detail = StringProperty("")
    failures = NumericProperty(0)

    ACTIONS = {   # state -> buttons shown, left to right
        "ready": ("talk",), "listening": ("talk",), "retry": ("talk",), "confirm": ("yes", "no", "talk"),
        "fallback": ("talk", "choose"), "unavailable": ("choose",), "loading": ("choose",),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # strong references: kv ids are weak, and buttons leave the tree when a state does not need them
        self._buttons = {k: self.ids[k].__self__ for k in ("yes", "no", "talk", "choose")}
        self.on_state(self, self.state)
        self._matcher = None
        self._stop: threading.Event | None = None
        self._pressed_at = 0.0
        self._intent: str | None = None
        self._text = ""
        self._poll = None

    # -- life cycle --------------------------------------------------------
    def on_pre_enter(self, *_):
        self.failures = 0
        self._intent, self._text = None, ""
        self._set_idle_state()

    def on_leave(self, *_):
        self._cancel()
        if self._poll:
            self._poll.cancel()
            self._poll = None

    def narration(self) -> str:
        return {"ready": TEXTS["ready"], "loading": TEXTS["loading"]}.get(self.state, self.detail)

    def _services(self):
        return App.get_running_app().services

    def _set_idle_state(self) -> None:
        s = self._services()
        mic, rec = getattr(s, "microphone", None), getattr(s, "recognizer", None)
        mic_health = mic.health if mic is not None else "没有话筒。"
        if mic is None or mic_health != "ok" or rec is None or (rec.health != "ok" and not _loading(rec)):
            reason = mic_health if mic_health != "ok" else (rec.health if rec is not None else "没有语音模型。")
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

    # -- push to talk ------------------------------------------------------
    def press(self) -> None:
        if self.state not in ("ready", "confirm", "retry", "fallback") or self._stop is not None:
            return
        app = App.get_running_app()
        s = app.services
        s.speaker.stop()   # the resident talks over the kiosk: stop narrating and listen
        self._pressed_at = time.monotonic()
        self._stop = threading.Event()
        asking = "confirm" if self.state == "confirm" else "request"
        self._before = (self.state, self.headline, self.detail)
        self._show("listening", TEXTS["listening"], TEXTS["listening_hint"])
        v = s.config["voice"]
        threading.Thread(target=self._listen, name="voice-listen", daemon=True,
                         args=(s.microphone, s.recognizer, self._stop, s.speaker, v, asking)).start()

    def release(self) -> None:
        if self._stop is not None and time.monotonic() - self._pressed_at >= HOLD_S:
            self._stop.set()   # held and let go: that is the end of the utterance

    def _cancel(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _listen(self, mic, rec, stop, speaker, v, asking) -> None:
        from voice.listen import Heard, listen

        try:
            grammar = self._answer_grammar(rec) if asking == "confirm" else None
            heard = listen(mic, rec, grammar=grammar, max_s=v["max_utterance_s"], end_silence_s=v["end_silence_s"],
                           stop=stop, speaking=lambda: speaker.speaking)
        except Exception as exc:  # noqa: BLE001 - a microphone that vanished mid-way: say so, keep the screen
            log.warning("listening failed: %s", exc)
            heard = Heard("", "error", 0.0, 0.0)
        Clock.schedule_once(lambda _dt: self._heard(heard, asking, stop))

    def _answer_grammar(self, rec):
        """Answers to 您是要…吗 are few: 是/不是/回首页… or another request. A grammar of those words
        makes a short 是 hard to mishear; only with a model that has [unk] for everything else."""
        if not hasattr(rec, "grammar") or not rec.ready:
            return None
        cached = getattr(self, "_grammar", None)
        if cached is None or cached[0] is not rec:
            from voice.intents import load_dialogue

            words = [w for ws in load_dialogue()["dialogue"].values() for w in ws]
            words += [p for c in self._services().catalog.categories for p in c.phrases]
            g = rec.grammar(words)
            self._grammar = cached = (rec, g if g.has_unk else None)
        return cached[1]

    # -- understanding -------------------------------------------------------
    def matcher(self):
        if self._matcher is None:
            from voice.intents import IntentMatcher

            self._matcher = IntentMatcher.from_catalog(self._services().catalog)
        return self._matcher

    def _heard(self, heard, asking: str, stop) -> None:
        if stop is not self._stop:
            return          # left the screen or started again meanwhile
        self._stop = None
        if self.manager is None or self.manager.current != self.name:
            return
        app = App.get_running_app()
        text = heard.text
        log.info("heard %r (%s, %.1f s)", text, heard.reason, heard.speech_s)
        self._show(*self._before)   # back to what was on screen while listening; the answer decides what next
        if asking == "confirm" and text:
            answer = self.matcher().match_dialogue(text)
            if answer == "yes":
                return self.confirm()
            if answer == "no":
                return self.reject()
            if answer == "home":
                return app.home()
            if answer == "repeat":
                return app.say(TEXTS["confirm_say"].format(label=self._label()))
        match = self.matcher().match(text) if text else None
        if match is not None and match.intent:
            self._intent, self._text = match.intent, text
            label = self._label()
            self._show("confirm", TEXTS["confirm"].format(label=label), TEXTS["heard"].format(text=text))
            app.say(TEXTS["confirm_say"].format(label=label))
            return
        if asking == "request" and text:
            # no request, but a way around the kiosk: 回首页 / 查进度 / 我要求助 said instead of tapped
            where = self.matcher().match_dialogue(text)
            if where == "home":
                return app.home()
            if where in ("status", "help"):
                return app.choose(where)
        if asking == "confirm" and self._intent:
            # neither yes nor no nor another request: ask the same question again
            return app.say(TEXTS["confirm_say"].format(label=self._label()))
        self._failed("no_speech" if heard.reason in ("no_speech", "error") else "retry")

    def _label(self) -> str:
        return self._services().catalog.get(self._intent).label if self._intent else ""

    def _failed(self, why: str) -> None:
        self.failures += 1
        self._intent = None
        app = App.get_running_app()
        if self.failures >= 2:
            self._show("fallback", TEXTS["fallback_short"], TEXTS["fallback"])
        else:
            self._show("retry", TEXTS["retry_short"], TEXTS[why])
        app.say(self.detail)

    # -- answers -------------------------------------------------------------
    def confirm(self) -> None:
        if self.state != "confirm" or not self._intent:
            return
        app = App.get_running_app()
        intent, text = self._intent, self._text
        self._intent = None
        app.start_request(intent, channel="voice", transcript=text)

    def reject(self) -> None:
        if self.state == "confirm":
            self._failed("retry")

    def choose_by_touch(self) -> None:
        App.get_running_app().go("categories")


def _loading(rec) -> bool:
    return not rec.ready and not getattr(rec, "error", None)


def _plain(reason: str) -> str:
    """Health sentences may carry a device error in brackets: keep the words a resident understands."""
    import re

    reason = re.sub(r"（[^）]*）", "", reason).split("，")[0].strip("。 ")
    return reason + "。"
