"""The voice conversation, without Kivy: what was heard → what the kiosk does and says next.

Heard a request → confirm it by voice and screen ("您是要代充燃气吗？"); only "yes" (said or tapped)
makes a request. No intent, a "no", or silence counts as a failure; after two failures the kiosk
offers the category buttons. Navigation words (回首页, 学手机, 查进度) work at any time.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice.intents import IntentMatcher, load_dialogue

MAX_FAILURES = 2


@dataclass(frozen=True)
class Step:
    action: str                 # "confirm", "request", "again", "buttons", "go", "repeat"
    say: str = ""
    category: str | None = None  # for confirm / request
    target: str | None = None    # for go: "home", "categories", "lessons", "status"


class VoiceDialogue:
    def __init__(self, matcher: IntentMatcher, catalog, sentences: dict | None = None):
        self.matcher = matcher
        self.catalog = catalog
        self.say = sentences if sentences is not None else load_dialogue()["say"]
        self.reset()

    def reset(self) -> None:
        self.failures = 0
        self.pending: str | None = None     # category waiting for yes/no
        self.transcript = ""

    def _fail(self, sentence: str) -> Step:
        self.failures += 1
        self.pending = None
        if self.failures >= MAX_FAILURES:
            return Step("buttons", self.say["buttons"], target="categories")
        return Step("again", sentence)

    def heard(self, text: str) -> Step:
        """One recognised utterance (may be "" when nothing was heard)."""
        if not text.strip():
            return self._fail(self.say["no_speech"])
        word = self.matcher.match_dialogue(text)
        if word in ("home", "lessons", "status"):
            return Step("go", target=word)
        if word == "repeat":
            return Step("repeat")
        if self.pending:
            if word == "yes":
                return self.confirm()
            if word == "no":
                return self._fail(self.say["again"])
        m = self.matcher.match(text)
        if m.intent is None:
            if word == "help":
                return Step("go", target="categories")
            return self._fail(self.say["not_request"] if m.reason in ("empty", "smalltalk") else self.say["again"])
        self.pending, self.transcript = m.intent, text
        label = self.catalog.get(m.intent).label
        return Step("confirm", self.say["confirm"].format(label=label), category=m.intent)

    def confirm(self) -> Step:
        """Yes (said or tapped) while a category waits."""
        if not self.pending:
            return Step("again", self.say["press"])
        category, self.pending = self.pending, None
        return Step("request", category=category)

    def deny(self) -> Step:
        """No (said or tapped)."""
        return self._fail(self.say["again"])
