"""Utterance → catalog category, tolerant of recognition errors and Lanzhou dialect.

Phrases come from assets/catalog.toml, dialogue words from assets/dialogue.toml (data, not code).
Each phrase is matched as an approximate substring of the utterance over syllables: a syllable costs
nothing when it is the same character, little when it sounds the same without tones (燃起/燃气) or
only differs by a Lanzhou merger (n/l, en/eng, in/ing, an/ang, z/zh, c/ch, s/sh, shu→fu). A category
scores its best phrase, so a category with many phrases does not swallow one with few; a score
under the threshold or a near-tie between two categories is no intent; small talk that merely
contains a request word ("吃饭了没") is vetoed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

DIALOGUE_PATH = Path(files("assets") / "dialogue.toml")

THRESHOLD = 0.78      # below: no intent (asks again)
MARGIN = 0.08         # best minus runner-up category below this: a near-tie, no intent
SAME_CHAR, SAME_SOUND, DIALECT, HALF = 0.0, 0.08, 0.15, 0.7
INSERT, DELETE = 0.5, 0.75   # an extra syllable inside a phrase is cheaper than a missing one
LIGHT_INSERT = 0.15          # measure words and particles said inside a phrase: 挂个号, 取一下药, 留个言
LIGHT = frozenset("个一下点了些份的")

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


def strip_asr_spaces(text: str) -> str:
    """Vosk puts spaces between Chinese words; keep spaces only between Latin words."""
    return re.sub(r"(?<=[^A-Za-z0-9])\s+|\s+(?=[^A-Za-z0-9\s])", "", text.strip())


def _fold(syl: str) -> str:
    """Toneless pinyin with the Lanzhou mergers applied (both sides fold the same way)."""
    if syl.startswith("shu"):
        syl = "f" + syl[2:]            # 书 shu → fu, 水 shui → fui
    if syl in ("fui", "fei"):
        syl = "fei"
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syl.startswith(a):
            syl = b + syl[2:]
    if syl.startswith("n"):
        syl = "l" + syl[1:]
    for a, b in (("eng", "en"), ("ing", "in"), ("ang", "an")):
        if syl.endswith(a):
            syl = syl[: -len(a)] + b
    return syl


@lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    """Each character's most common reading, toneless, from pypinyin's character table alone: importing
    pypinyin loads its phrase dictionary too (about 40 MB resident) for little gain here, since both the
    phrases and the utterance are read the same way and the same character always matches."""
    spec = importlib.util.find_spec("pypinyin")   # locate the package without importing it
    table = json.loads(Path(spec.origin).with_name("pinyin_dict.json").read_text(encoding="utf-8"))
    out = {}
    for code, marked in table.items():
        first = unicodedata.normalize("NFD", marked.split(",")[0]).replace("u\u0308", "v")   # ü → v
        out[chr(int(code))] = "".join(c for c in first if not unicodedata.combining(c))
    return out


@dataclass(frozen=True)
class Syl:
    char: str
    raw: str     # toneless pinyin
    fold: str    # after dialect folding


def syllables(text: str) -> tuple[Syl, ...]:
    readings = _readings()
    out = []
    for c in _NOT_HAN.sub("", text):
        raw = readings.get(c, c)
        out.append(Syl(c, raw, _fold(raw)))
    return tuple(out)


def _cost(a: Syl, b: Syl) -> float:
    if a.char == b.char:
        return SAME_CHAR
    if a.raw == b.raw:
        return SAME_SOUND
    if a.fold == b.fold:
        return DIALECT
    if a.fold[1:] == b.fold[1:] and len(a.fold) > 2:
        return HALF        # same final, one initial misheard (排 pai / 代 dai): weak evidence only
    return 1.0


def best_span(phrase: tuple[Syl, ...], utt: tuple[Syl, ...]) -> tuple[float, int, int]:
    """Approximate substring match (Sellers): lowest cost of `phrase` anywhere in `utt`.

    Returns (cost, start, end) of the best span of `utt`.
    """
    n = len(phrase)
    prev = [i * DELETE for i in range(n + 1)]
    starts = [0] * (n + 1)
    best = (prev[n], 0, 0)
    for j, u in enumerate(utt, 1):
        cur = [0.0] * (n + 1)
        cur_start = [j] * (n + 1)
        for i in range(1, n + 1):
            sub = prev[i - 1] + _cost(phrase[i - 1], u)
            ins = prev[i] + (LIGHT_INSERT if u.char in LIGHT and 0 < i < n else INSERT)
            dele = cur[i - 1] + DELETE
            if sub <= ins and sub <= dele:
                cur[i], cur_start[i] = sub, (starts[i - 1] if i > 1 else j - 1)
            elif ins <= dele:
                cur[i], cur_start[i] = ins, starts[i]
            else:
                cur[i], cur_start[i] = dele, cur_start[i - 1]
        if cur[n] < best[0]:
            best = (cur[n], cur_start[n], j)
        prev, starts = cur, cur_start
    return best


def _overlaps(text: str, word: str, s: int, e: int) -> bool:
    """Does `word` occur in `text` over any of the characters s..e (where the request word was heard)?"""
    at = text.find(word)
    while at >= 0:
        if at < e and s < at + len(word):
            return True
        at = text.find(word, at + 1)
    return False


@dataclass(frozen=True)
class Match:
    intent: str | None
    score: float
    text: str = ""                   # what was matched, spaces stripped
    phrase: str = ""                 # the catalog phrase that won
    runner_up: str | None = None
    runner_up_score: float = 0.0
    reason: str = ""                 # why no intent: "empty", "low", "tie", "smalltalk"

    def as_dict(self) -> dict:
        return {"text": self.text, "intent": self.intent, "score": round(self.score, 3), "phrase": self.phrase,
                "runner_up": self.runner_up, "runner_up_score": round(self.runner_up_score, 3),
                "reason": self.reason}


@lru_cache(maxsize=1)
def load_dialogue(path: Path = DIALOGUE_PATH) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


class IntentMatcher:
    def __init__(self, phrases: dict[str, list[str]], dialogue: dict | None = None):
        dialogue = dialogue if dialogue is not None else load_dialogue()
        self.phrases = [(cid, p, syllables(p)) for cid, ps in phrases.items() for p in ps if syllables(p)]
        self.fillers = sorted(dialogue["filler"]["words"], key=len, reverse=True)
        self.smalltalk = [s for s in dialogue["smalltalk"]["phrases"]]
        self.dialogue = {k: [(w, syllables(w)) for w in v] for k, v in dialogue["dialogue"].items()}

    @classmethod
    def from_catalog(cls, catalog, dialogue: dict | None = None) -> IntentMatcher:
        return cls({c.id: list(c.phrases) for c in catalog.categories}, dialogue)

    def clean(self, text: str) -> str:
        text = _NOT_HAN.sub("", strip_asr_spaces(text))
        for f in self.fillers:
            text = text.replace(f, "")
        return text

    def _phrase_score(self, words: tuple[Syl, ...], utt: tuple[Syl, ...]) -> tuple[float, int, int]:
        if len(words) == 1:   # one syllable: only the very character counts (脏, 臭)
            idx = next((k for k, u in enumerate(utt) if u.char == words[0].char), None)
            return (0.9, idx, idx + 1) if idx is not None else (0.0, 0, 0)
        cost, s, e = best_span(words, utt)
        return max(0.0, 1 - cost / len(words)), s, e

    def match(self, text: str) -> Match:
        raw = _NOT_HAN.sub("", strip_asr_spaces(text))
        cleaned = self.clean(text)
        utt = syllables(cleaned)
        if not utt:
            return Match(None, 0.0, raw, reason="empty")
        hits: dict[str, list[tuple[float, str, int, int]]] = {}
        folds = {u.fold for u in utt}
        halves = {u.fold[1:] for u in utt if len(u.fold) > 2}
        for cid, phrase, words in self.phrases:
            # skip phrases that cannot come near the threshold: each syllable heard nowhere costs >= HALF
            unheard = sum(w.fold not in folds and w.fold[1:] not in halves for w in words)
            if unheard * HALF > (1 - THRESHOLD + MARGIN) * len(words):
                continue
            score, s, e = self._phrase_score(words, utt)
            if score > 0:
                hits.setdefault(cid, []).append((score, phrase, s, e))
        # specificity: a hit inside a longer hit of another category is not evidence (漏水 in 屋顶漏水)
        strong = [(cid, h) for cid, hs in hits.items() for h in hs if h[0] >= THRESHOLD]
        for cid, hs in hits.items():
            hs[:] = [h for h in hs if not any(c != cid and o[2] <= h[2] and h[3] <= o[3] and o[3] - o[2] > h[3] - h[2]
                                              for c, o in strong)] or [(0.0, "", 0, 0)]
        best: dict[str, tuple[float, str, int, int]] = {}
        for cid, hs in hits.items():
            hs.sort(key=lambda h: (h[0], h[3] - h[2]), reverse=True)
            score, phrase, s, e = hs[0]
            # a second phrase of the same category heard elsewhere in the utterance is more evidence
            if score >= THRESHOLD and any(h[0] >= THRESHOLD and (h[3] <= s or h[2] >= e) for h in hs[1:]):
                score += 0.04
            best[cid] = (score, phrase, s, e)
        ranked = sorted(best.items(), key=lambda kv: (kv[1][0], kv[1][3] - kv[1][2]), reverse=True)
        ranked += [(None, (0.0, "", 0, 0))] * 2   # fewer than two categories heard at all
        (cid, (score, phrase, s, e)), (cid2, (score2, *_)) = ranked[0], ranked[1]
        if score < THRESHOLD:
            return Match(None, min(score, 1.0), raw, phrase, cid2, min(score2, 1.0), "low")
        # near-tie: ask again rather than guess between two categories
        if score - score2 < MARGIN:
            return Match(None, min(score, 1.0), raw, phrase, cid2, min(score2, 1.0), "tie")
        if any(_overlaps(cleaned, st, s, e) for st in self.smalltalk):
            return Match(None, min(score, 1.0), raw, phrase, cid, min(score, 1.0), "smalltalk")
        return Match(cid, min(score, 1.0), raw, phrase, cid2, min(score2, 1.0))

    def match_dialogue(self, text: str) -> str | None:
        """yes / no / home / repeat / help / lessons / status, or None."""
        raw = _NOT_HAN.sub("", strip_asr_spaces(text))
        cleaned = self.clean(text) or raw
        utt = syllables(cleaned)
        if not utt:
            return None
        order = ("no", "home", "repeat", "help", "lessons", "status", "yes")
        for label in order:   # the whole answer is one listed word: 不错 is yes although it starts with 不
            if any(word in (raw, cleaned) for word, _ in self.dialogue.get(label, ())):
                return label
        for label in order:
            for word, syl in self.dialogue.get(label, ()):
                if len(syl) == 1:   # 是 / 要 / 不: only as (nearly) the whole answer, not inside 我要买菜
                    if word == raw or not cleaned.strip(word) or (cleaned.startswith(word) and len(cleaned) <= 3):
                        return label
                    continue
                if word in cleaned:
                    return label
                if len(syl) >= 2:
                    cost, _, _ = best_span(syl, utt)
                    if 1 - cost / len(syl) >= 0.85:
                        return label
        return None
