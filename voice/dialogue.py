"""The voice confirmation dialogue, without Kivy: what was heard → what to show, say and do next.

States: "ready" (waiting for a request), "confirm" (您是要代充燃气吗？ yes / no), "ask" (您是要代充燃气，还是
上门送餐？ one of two), "retry" and "fallback" (after one / two failures: the category buttons). A request is
never started without the resident's yes, or their pick between the two asked. Two requests in one
sentence: the first is confirmed; the second is offered once the resident comes back to the voice screen
(within OFFER_S), or at once if they say no to the first. screens/voice.py shows each Step and acts on it.
What was said but placed nowhere goes to `unplaced(text)` when the post shares it (kiosk/wiring.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from voice.intents import IntentMatcher, load_dialogue, strip_asr_spaces

OFFER_S = 300.0   # a second request is offered back only to the same visit, not to the next resident


@dataclass(frozen=True)
class Step:
    state: str                       # ready / confirm / ask / retry / fallback
    headline: str = ""
    detail: str = ""
    say: str = ""                    # spoken (may be longer than what is shown)
    start: str | None = None         # start this request (category id) with `transcript`
    transcript: str = ""
    go: str | None = None            # home / status / help: a way around the kiosk said instead of tapped
    options: tuple[str, ...] = ()    # "ask": the two category ids, in button order


class Dialogue:
    def __init__(self, matcher: IntentMatcher, labels: Mapping[str, str], texts: Mapping[str, str],
                 clock: Callable[[], float] = time.monotonic, unplaced: Callable[[str], object] | None = None):
        self.matcher, self.labels, self.texts, self.clock = matcher, labels, texts, clock
        self.unplaced = unplaced
        self.choice = load_dialogue().get("choice", {})
        self.failures = 0
        self.state = "ready"
        self.intent: str | None = None
        self.also: str | None = None          # said with the request being confirmed
        self.options: tuple[str, ...] = ()
        self.transcript = ""
        self._offer: tuple[str, float] | None = None   # (category, when) to offer on the next visit

    # -- entering --------------------------------------------------------------
    def begin(self) -> Step | None:
        """A new visit to the voice screen: offer a second request still pending, else start afresh."""
        offer, self._offer = self._offer, None
        self.failures, self.state, self.intent, self.also, self.options = 0, "ready", None, None, ()
        if offer and self.clock() - offer[1] <= OFFER_S:
            self.state, self.intent = "confirm", offer[0]
            label = self.labels[offer[0]]
            return Step("confirm", self.texts["offer"].format(label=label), "",
                        self.texts["offer_say"].format(label=label))
        return None

    def forget(self) -> None:
        """The kiosk went idle: nothing of this visit may reach the next resident."""
        self._offer = None
        self.begin()

    # -- what the resident said ------------------------------------------------
    def heard(self, text: str, silent: bool = False) -> Step:
        """`text` as recognised (may be empty); `silent`: no speech at all, or the microphone failed."""
        answered = self._answer(text) if text and self.state in ("confirm", "ask") else None
        if answered is not None:
            return answered
        m = self.matcher.match(text) if text else None
        if m is not None and m.intent:
            return self._confirm(m.intent, m.also, text)
        if m is not None and m.ask:
            return self._ask(m.ask, text)
        if text and self.state in ("confirm", "ask"):
            return self._question()   # neither an answer nor another request: ask the same again
        where = self.matcher.match_dialogue(text) if text else None
        if where in ("home", "status", "help"):
            return Step(self.state, go=where)
        if text and not silent and where is None and self.unplaced is not None:
            self.unplaced(text)   # not understood: the post's cadres may teach the kiosk these words
        return self._failed("no_speech" if silent else "retry")

    def _answer(self, text: str) -> Step | None:
        """An answer to the question on screen (yes / no / one of two / home / say it again), or None."""
        if self.state == "ask":
            picked = self._picked(text)
            if picked:
                return self.no() if picked == "neither" else self.pick(picked)
        answer = self.matcher.match_dialogue(text)
        if self.state == "confirm" and answer in ("yes", "no"):
            return self.yes() if answer == "yes" else self.no()
        if answer == "repeat":
            return self._question()
        return Step(self.state, go="home") if answer == "home" else None

    def yes(self) -> Step | None:
        if self.state != "confirm" or not self.intent:
            return None
        if self.also:
            self._offer = (self.also, self.clock())
        return self._start(self.intent)

    def no(self) -> Step | None:
        if self.state == "confirm" and self.also:   # not the first: perhaps the second
            return self._confirm(self.also, None, self.transcript)
        if self.state in ("confirm", "ask"):
            return self._failed("retry")
        return None

    def pick(self, category: str) -> Step | None:
        """One of the two asked, tapped or said: that is the resident's answer, no second question."""
        if self.state != "ask" or category not in self.options:
            return None
        return self._start(category)

    # -- what the kiosk does -----------------------------------------------------
    def answer_words(self, catalog_phrases: Mapping[str, list[str]]) -> list[str]:
        """Words a recogniser grammar should allow for the current question: for 'A or B?' only A's and
        B's words plus the dialogue's no/home/repeat (a two-answer grammar); otherwise every answer word and
        every catalog phrase (another request instead of yes/no)."""
        d = load_dialogue()["dialogue"]
        if self.state == "ask":
            words = [w for k in ("no", "home", "repeat") for w in d[k]]
            words += [w for k in ("first", "second", "neither") for w in self.choice.get(k, [])]
            for cid in self.options:
                words += [self.labels[cid], *catalog_phrases.get(cid, [])]
            return words
        return [w for ws in d.values() for w in ws] + [p for ps in catalog_phrases.values() for p in ps]

    def _picked(self, text: str) -> str | None:
        said = strip_asr_spaces(text)   # not cleaned: 那个 is a filler in a request but means 'that one' here
        for key, index in (("neither", None), ("first", 0), ("second", 1)):
            if any(w in said for w in self.choice.get(key, [])):
                return "neither" if index is None else self.options[index]
        named = [cid for cid in self.options if self.labels[cid] in said]
        if len(named) == 1:
            return named[0]
        return self.matcher.choose(text, self.options)   # type: ignore[arg-type]

    def _confirm(self, intent: str, also: str | None, text: str) -> Step:
        self.state, self.intent, self.also, self.options = "confirm", intent, also, ()
        self.transcript = strip_asr_spaces(text)
        return self._question()

    def _ask(self, options: tuple[str, str], text: str) -> Step:
        self.state, self.intent, self.also, self.options = "ask", None, None, options
        self.transcript = strip_asr_spaces(text)
        return self._question()

    def _question(self) -> Step:
        t, heard = self.texts, self.texts["heard"].format(text=self.transcript) if self.transcript else ""
        if self.state == "ask":
            a, b = (self.labels[c] for c in self.options)
            return Step("ask", t["ask"].format(a=a, b=b), heard, t["ask_say"].format(a=a, b=b),
                        options=self.options)
        label = self.labels[self.intent]
        say = (t["confirm_two_say"].format(label=label, other=self.labels[self.also]) if self.also
               else t["confirm_say"].format(label=label))
        return Step("confirm", t["confirm"].format(label=label), heard, say)

    def _start(self, category: str) -> Step:
        text = self.transcript
        self.state, self.intent, self.also, self.options, self.transcript = "ready", None, None, (), ""
        return Step("ready", start=category, transcript=text)

    def _failed(self, why: str) -> Step:
        self.failures += 1
        self.intent, self.also, self.options, self.transcript = None, None, (), ""
        if self.failures >= 2:
            self.state = "fallback"
            return Step("fallback", self.texts["fallback_short"], self.texts["fallback"], self.texts["fallback"])
        self.state = "retry"
        return Step("retry", self.texts["retry_short"], self.texts[why], self.texts[why])
