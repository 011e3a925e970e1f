"""Utterance → catalog category, tolerant of recognition errors and Lanzhou dialect.

Phrases come from assets/catalog.toml, dialogue words from assets/dialogue.toml (data, not code).
Each phrase is matched as an approximate substring of the utterance over syllables: a syllable costs
nothing when it is the same character, little when it sounds the same without tones (燃起/燃气) or
only differs by a Lanzhou merger (n/l, en/eng, in/ing, an/ang, z/zh, c/ch, s/sh, shu→fu). A category
scores its best phrase, so a category with many phrases does not swallow one with few; a score
under the threshold or a near-tie between two categories is no intent; small talk that merely
contains a request word ("吃饭了没") is vetoed.

Beyond one clear request the matcher says what the kiosk should do instead of failing (voice/dialogue.py
acts on it): a near-tie between two categories is a question between the two (Match.ask); two requests
joined by 还有/再/顺便 are the first to confirm and the second to offer afterwards (Match.also); a request
word under a negation (不用送饭了, 暖气修好了) or an utterance that says nothing is wrong (没事, 已经好了) is
no request.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
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
SKIP = frozenset("个些点份")   # measure words said inside a derived phrase, otherwise heard as written: 送些吃的
# (not 一/下: they are parts of words, and 过不下去 without 下 would be 过不去)
WINDOWED = 24                # longer utterances are matched only around the syllables each phrase could use
PLACE_PAIR = ("home_repair", "building_facility")
OBJECT_ONLY = 0.6
HEARD_WELL = 0.9             # a phrase heard this well may tell the need by its own words (陋水 is 漏水)
BARE = 3                     # at most this many other characters: the fixture is the whole request
FAULT_BEFORE, FAULT_AFTER = 3, 10   # where a fault word counts for a fixture: 灯泡坏了, 冰凉冰凉的暖气片
# Characters that carry no meaning of their own in a phrase (油[没有了], [不]亮): a phrase heard only by sound must
# have one of its other characters heard as written (unless it is nearly all that was said), or it is a word boundary
# crossed by sound (理疗 in 群里聊天:
# li liao; 油没有了 in 有没有毛病), not a recogniser's slip, which swaps one character of a word, not all of it.
FUNCTION = frozenset("没有了不的一个是着过吗呢吧啊么得很能会要在就都也还")

_LINKS = frozenset("就也都又还已")
_ASKS = frozenset("能帮请")   # may stand between a request word and its negation: 送饭就不用了
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
# join words that are also prepositions or parts of words: 说和/讲和 (to reconcile), 跟他吵/和邻居 (with someone)
_PREPOSITIONS = frozenset("和跟")
_NOT_A_JOIN = re.compile(r"(?<=[说讲调])[和]|[和跟](?=[他她我你人邻街楼对隔社书主领干网物老])")


def _joins_at(span: str, word: str) -> bool:
    """`word` joins two requests somewhere in `span`: not as a preposition or inside a word (说和, 跟社区书记)."""
    if word not in _PREPOSITIONS:
        return word in span
    return any(not _NOT_A_JOIN.match(span, m.start()) for m in re.finditer(word, span))


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


@lru_cache(maxsize=8192)
def _reading(char: str) -> str:
    """A character's most common reading, toneless (ü as v), through pypinyin's API one character at a
    time: both the phrases and the utterance are read the same way, so word context adds nothing here.
    pypinyin's documented switches keep its phrase dictionary out of memory (tens of MB resident) and
    its tables uncopied; they must be set before its first import."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "true")
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.NORMAL, errors="default")[0]


@lru_cache(maxsize=4096)
def _content(phrase: str) -> frozenset[str]:
    """The characters of a phrase that carry its meaning (not in FUNCTION)."""
    return frozenset(c for c in phrase if c not in FUNCTION)


@dataclass(frozen=True)
class Syl:
    char: str
    raw: str     # toneless pinyin
    fold: str    # after dialect folding


def syllables(text: str) -> tuple[Syl, ...]:
    out = []
    for c in _NOT_HAN.sub("", text):
        raw = _reading(c)
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


def _windows(words: tuple[Syl, ...], costs: CostRows, n: int) -> list[tuple[int, int]]:
    """Stretches of a long utterance where a phrase of `n` syllables can come near the threshold: around the
    syllables that sound like the phrase's own (same sound: the cheap costs), `n` syllables either side,
    overlapping stretches merged. Elsewhere every syllable costs a substitution, an insertion or HALF."""
    heard = sorted({j for w in words for j, c in enumerate(costs[w]) if c <= DIALECT})
    out: list[list[int]] = []
    for j in heard:
        lo, hi = max(0, j - n), min(len(costs.utt), j + n + 1)
        if out and lo <= out[-1][1]:
            out[-1][1] = hi
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out] or [(0, 0)]


class CostRows(dict):
    """Per utterance: each phrase character's substitution cost against every utterance syllable, computed
    once however many phrases share the character."""

    def __init__(self, utt: tuple[Syl, ...]):
        super().__init__()
        self.utt = utt

    def __missing__(self, syl: Syl) -> list[float]:
        row = self[syl] = [_cost(syl, u) for u in self.utt]
        return row


def best_span(phrase: tuple[Syl, ...], utt: tuple[Syl, ...], costs: CostRows | None = None,
              lo: int = 0, hi: int | None = None) -> tuple[float, int, int]:
    """Approximate substring match (Sellers): lowest cost of `phrase` anywhere in `utt[lo:hi]`.

    Returns (cost, start, end) of the best span of `utt`.
    """
    n = len(phrase)
    costs = costs if costs is not None else CostRows(utt)
    rows = [costs[p] for p in phrase]
    prev = [i * DELETE for i in range(n + 1)]
    starts = [lo] * (n + 1)
    best = (prev[n], lo, lo)
    for j, u in enumerate(utt[lo:hi], lo + 1):
        cur = [0.0] * (n + 1)
        cur_start = [j] * (n + 1)
        light = u.char in LIGHT
        for i in range(1, n + 1):
            sub = prev[i - 1] + rows[i - 1][j - 1]
            ins = prev[i] + (LIGHT_INSERT if light and 0 < i < n else INSERT)
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


def _sound_index(phrases: list[tuple[str, str, tuple[Syl, ...]]]) -> dict[str, list[tuple[int, int]]]:
    """Where each sound occurs among the phrases' syllables (fold, and "~" + final for a misheard initial):
    the cheap test of which phrases could match an utterance."""
    index: dict[str, list[tuple[int, int]]] = {}
    for i, (_, _, words) in enumerate(phrases):
        for k, w in enumerate(words):
            index.setdefault(w.fold, []).append((i, k))
            if len(w.fold) > 2:
                index.setdefault("~" + w.fold[1:], []).append((i, k))
    return index


def _positions(raw: str, cleaned: str) -> list[int]:
    """Where each character of `cleaned` (`raw` with filler words removed) stands in `raw`."""
    out, j = [], 0
    for c in cleaned:
        while j < len(raw) and raw[j] != c:
            j += 1
        out.append(min(j, len(raw)))
        j += 1
    return out + [len(raw)]


@dataclass(frozen=True)
class Hit:
    """One catalog phrase heard in the utterance: where (syllable span of the cleaned text) and how well."""

    category: str
    phrase: str
    score: float
    start: int
    end: int

    @property
    def width(self) -> int:
        return self.end - self.start

    def inside(self, other: Hit) -> bool:
        """Strictly inside a longer hit (漏水 inside 屋顶漏水)."""
        return other.start <= self.start and self.end <= other.end and other.width > self.width

    def apart(self, other: Hit) -> bool:
        return self.end <= other.start or other.end <= self.start


NO_HIT = Hit("", "", 0.0, 0, 0)


@dataclass(frozen=True)
class Match:
    intent: str | None
    score: float
    text: str = ""                   # what was matched, spaces stripped
    phrase: str = ""                 # the catalog phrase that won
    runner_up: str | None = None
    runner_up_score: float = 0.0
    reason: str = ""                 # why no intent: empty, low, tie, smalltalk, negated, fine, chat
    ask: tuple[str, str] | None = None   # a near-tie: ask the resident which of these two (intent is None)
    also: str | None = None          # a second request in the same sentence: offer it after the first

    def as_dict(self) -> dict:
        out = {"text": self.text, "intent": self.intent, "score": round(self.score, 3), "phrase": self.phrase,
               "runner_up": self.runner_up, "runner_up_score": round(self.runner_up_score, 3),
               "reason": self.reason}
        if self.ask:
            out["ask"] = list(self.ask)
        if self.also:
            out["also"] = self.also
        return out


@lru_cache(maxsize=1)
def load_dialogue(path: Path = DIALOGUE_PATH) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _weaken(hits: list[Hit], only_a_hint) -> list[Hit]:
    """The hits, those for which only_a_hint(hit) holds capped at OBJECT_ONLY (heard, but not the need)."""
    return [Hit(h.category, h.phrase, min(h.score, OBJECT_ONLY), h.start, h.end) if only_a_hint(h) else h
            for h in hits]


@dataclass(frozen=True)
class _Turn:
    """What one utterance gave the matcher's steps: its text, the hits, and the two best categories."""

    raw: str
    cleaned: str
    heard: list[Hit]
    evidence: list[Hit]
    first: Hit
    second: Hit

    def none(self, reason: str, ask: tuple[str, str] | None = None) -> Match:
        return Match(None, min(self.first.score, 1.0), self.raw, self.first.phrase, self.second.category or None,
                     min(self.second.score, 1.0), reason, ask)


@dataclass
class Cues:
    """Words around a request word that change what it means (assets/dialogue.toml [negation], [two])."""

    before: list[str] = field(default_factory=list)    # 不用 送饭: the request word right after is negated
    after: list[str] = field(default_factory=list)     # 暖气 修好了: right after, negated too
    fine: list[re.Pattern] = field(default_factory=list)   # 没事 / 已经…好了: nothing is wrong at all
    chat: list[re.Pattern] = field(default_factory=list)   # 超市鸡蛋便宜 / 孙子在医院上班: talk about a place
    but: list[str] = field(default_factory=list)       # 没事，就是灯坏了: a need told after all
    joins: list[str] = field(default_factory=list)     # 还有 / 再 / 顺便: a second request follows
    boundary: list[str] = field(default_factory=list)  # 心脏, 卫生服务站: longer words a request word hides in
    objects: dict[str, set[str]] = field(default_factory=dict)   # a fixture: evidence only with a fault word
    faults: list[str] = field(default_factory=list)    # 坏 / 漏 / 不亮 …
    places: dict[str, list[str]] = field(default_factory=dict)   # 楼道 (the building's) / 家里 (the flat's)
    asks: list[str] = field(default_factory=list)      # 帮我 / 能不能 / 把: asking for what follows
    ask_reach: int = 4
    carriers: frozenset[str] = frozenset()            # 反映 / 投诉: how a complaint travels, not what it is
    markers: re.Pattern | None = None                 # a need told: asking, an act, trouble (帮/想/送/坏/没了 …)
    marker_words: tuple[tuple[str, tuple[str, ...]], ...] = ()   # plain markers of 2+ characters, heard by sound
    bare_places: frozenset[str] = frozenset()         # 兰大二院, 菜市场: a place said alone tells no need
    # per category: words that may be the story around another need (住院, 漏水), and what tells it (老伴…住院 / 看病…钱
    # 不够 / 说我家漏水…要我赔): (words, patterns before, patterns after)
    story: dict[str, tuple[set[str], list[re.Pattern], list[re.Pattern]]] = field(default_factory=dict)

    @classmethod
    def from_dialogue(cls, d: dict) -> Cues:
        neg, two, obj = d.get("negation", {}), d.get("two", {}), dict(d.get("objects", {}))
        faults = obj.pop("faults", [])
        return cls(neg.get("before", []), neg.get("after", []), [re.compile(p) for p in neg.get("fine", [])],
                   [re.compile(p) for p in neg.get("chat", [])], neg.get("but", []), two.get("joins", []),
                   d.get("boundary", {}).get("words", []), {c: set(ws) for c, ws in obj.items()}, faults,
                   dict(d.get("places", {})), d.get("need", {}).get("before", []), d.get("need", {}).get("reach", 4),
                   frozenset(d.get("need", {}).get("carriers", [])),
                   re.compile("|".join(d.get("need", {}).get("markers", []))) if d.get("need", {}).get("markers") else None,
                   tuple((w, tuple(u.fold for u in syllables(w))) for w in d.get("need", {}).get("markers", [])
                         if len(w) >= 2 and not _NOT_HAN.search(w)),
                   frozenset(d.get("need", {}).get("places", [])),
                   {c: (set(s.get("words", [])), [re.compile(p) for p in s.get("before", [])],
                        [re.compile(p) for p in s.get("after", [])]) for c, s in d.get("story", {}).items()})

    def story_told(self, text: str, hit: Hit) -> bool:
        """The hit is the story around another need: someone else's stay in hospital, what care costs, a hospital
        too far (老伴住院了, 看病把钱花光了, 医院太远), a leak the neighbours quarrel about (说我家漏水…要我赔)."""
        words, before, after = self.story.get(hit.category, ((), (), ()))
        if hit.phrase not in words:
            return False
        head, tail = text[max(0, hit.start - 8): hit.start], text[hit.end:]
        return any(p.search(head) for p in before) or any(p.search(tail) for p in after)

    def no_need(self, raw: str, hits: list[Hit]) -> bool:
        """More was said than the request word, and nothing in it asks, names an act or tells of trouble (超市今天
        人多得很, 邻居家的娃考上大学了): a place or a thing named in talk. The word said (nearly) alone is a request
        (but a place said alone is not: 兰大二院),
        and so is one whose catalog phrase tells the trouble itself (漏水, 矛盾, 老鼠: heard by sound like any phrase,
        so a recogniser's 陋水 still tells it, but heard well: 下雨楼道 is not 下雨漏水). The other markers count only as written: by sound, single characters
        would be everywhere (楼 sounds like 漏, 去 like 取); words of two characters or more are heard by sound too
        (拥完 is 用完, 啥驶候 is 啥时候), with one meaningful character as written (潮得很 is not 吵得很)."""
        if self.markers is None or (len(raw) - hits[0].width <= BARE and hits[0].phrase not in self.bare_places):
            return False
        if any(self.markers.search(h.phrase) for h in hits if h.score >= HEARD_WELL):
            return False
        if self.markers.search(raw):
            return False
        syl = syllables(raw)
        folds = tuple(u.fold for u in syl)
        return not any(folds[i: i + len(w)] == w
                       and any(u.char == c for u, c in zip(syl[i: i + len(w)], word, strict=True) if c not in FUNCTION)
                       for word, w in self.marker_words for i in range(len(folds) - len(w) + 1))

    def hidden(self, text: str, hit: Hit) -> bool:
        """The hit lies inside a longer word that means something else (脏 in 心脏)."""
        for w in self.boundary:
            at = text.find(w)
            while at >= 0:
                if at <= hit.start and hit.end <= at + len(w) and hit.phrase != w:
                    return True
                at = text.find(w, at + 1)
        return False

    def idle_object(self, text: str, hit: Hit) -> bool:
        """A fixture named with nothing wrong with it near it (冰箱里空荡荡的; 烂柜子堆在楼梯上: 烂 is the
        cupboard's)."""
        if hit.phrase not in self.objects.get(hit.category, ()) or len(text) - hit.width <= BARE:
            return False   # 楼院的门禁: a fixture said (nearly) alone to the kiosk is what the resident wants seen to
        near = text[max(0, hit.start - FAULT_BEFORE): hit.start] + "|" + text[hit.end: hit.end + FAULT_AFTER]
        return not any(f in near for f in self.faults)

    def asked_for(self, text: str, start: int, since: int = 0) -> bool:
        """A request word right before `start` (and after `since`, where another category's words end: 替我谢谢's
        替我 asks for the thanks, not for what follows): 帮我把[燃气卡]充一下, 能不能把饭给我[送上门]. `text` is what
        was said before filler words were removed (给我 is one)."""
        head = text[max(since, start - self.ask_reach - 3): start]
        return any(w in head and len(head) - head.rindex(w) - len(w) <= self.ask_reach for w in self.asks)

    def place(self, text: str) -> set[str]:
        """The categories whose places are named (楼道 → building_facility, 家里 → home_repair); a place followed by
        someone (楼下说…, 楼下的人, 楼下那家) names the people living there, not where a thing is broken."""
        return {c for c, ws in self.places.items()
                if any(re.search(re.escape(w) + "(?!说|的人|那家|邻居|的老|家的)", text) for w in ws)}

    def negated(self, text: str, hit: Hit, reach: int = 4) -> bool:
        head, tail = text[max(0, hit.start - reach - 3): hit.start], text[hit.end: hit.end + reach]
        # an ask after the negation starts a new request: 我不想做了 能送个饭不 (能/帮/请 end the negation's reach,
        # unless right after it: 不需要帮我买菜)
        return (any(w in head and len(head) - head.rindex(w) - len(w) <= reach
                    and not _ASKS.intersection(head[head.rindex(w) + len(w) + 1:]) for w in self.before)
                or any(tail.startswith(w) or (tail[:1] in _LINKS and tail[1:].startswith(w)) for w in self.after))

    def nothing_wrong(self, text: str, hits: list[Hit]) -> str:
        """"fine" for 没事 / 已经修好了, "chat" for 便宜 / 上班 / 路过 somewhere, unless a 就是/但是/帮 comes
        before a request word that follows; "" otherwise."""
        for reason, patterns in (("fine", self.fine), ("chat", self.chat)):
            if self._said(text, hits, patterns):
                return reason
        return ""

    def _said(self, text: str, hits: list[Hit], patterns: list[re.Pattern]) -> bool:
        for pat in patterns:
            for m in pat.finditer(text):
                # a real need told after the cue: a request word heard well, a 就是/帮/想 before it
                told_after = (any(h.score >= THRESHOLD and h.start >= m.end() for h in hits)
                              and any(w in text[m.end():] for w in self.but))
                if not told_after:
                    return True
        return False

    def joined(self, text: str, first: Hit, second: Hit) -> bool:
        """Two requests: a join word between them (充燃气，还有帮我买点菜), or one after the second's word (明个去医院
        还要个人陪), or 也 said of the second thing (水龙头坏了 楼道灯也不亮了) — the latter two only when each part
        tells a need of its own (a need marker in it), so a story told before a need stays one request."""
        if any(_joins_at(text[first.end: second.start], w) for w in self.joins):
            return True
        later = text[second.start:]
        # 和/跟 after the second are prepositions there (想跟书记说说), and 啥也/什么也 is "nothing at all" (啥也不会)
        if not (any(w in later for w in self.joins if w not in _PREPOSITIONS)
                or re.search(r"(?<![啥么哪谁])也", later[:second.width + 3])):
            return False
        return self.markers is not None and all(
            self.markers.search(part) for part in (text[max(0, first.start - 6): second.start], later))


class IntentMatcher:
    def __init__(self, phrases: dict[str, list[str]], dialogue: dict | None = None,
                 derived: dict[str, list[str]] | None = None, derived_weight: float = 1.0,
                 patterns: dict[str, list[str]] | None = None):
        """`phrases`: the catalog's, per category, heard however the recogniser wrote them; `derived`: more
        from voice/lexicon.py (a dialect lexicon, situations), heard only as written (they are there for their
        meaning, and hundreds of them matched by sound would cost time and false alarms: 上好 is not 商号),
        whose hits count `derived_weight` times as much."""
        dialogue = dialogue if dialogue is not None else load_dialogue()
        self.phrases = [(cid, p, syllables(p)) for cid, ps in phrases.items() for p in ps if syllables(p)]
        self.derived = [(cid, p) for cid, ps in (derived or {}).items() for p in ps if len(p) >= 2]
        self.derived_weight = derived_weight
        self._derived_by_first: dict[str, list[tuple[str, str, bool]]] = {}
        for cid, p in self.derived:
            self._derived_by_first.setdefault(p[0], []).append((cid, p, not SKIP.intersection(p)))
        self.patterns = [(cid, re.compile(p)) for cid, ps in (patterns or {}).items() for p in ps]
        self._pattern_texts = frozenset(p.pattern for _, p in self.patterns)
        self._by_sound = _sound_index(self.phrases)
        self.fillers = sorted(dialogue["filler"]["words"], key=len, reverse=True)
        self.smalltalk = [s for s in dialogue["smalltalk"]["phrases"]]
        # small talk is recognised by sound, as requests are: 你吃饭乐吗 is still 你吃饭了吗
        self._talk_sounds = [t for t in {tuple(x.fold for x in syllables(self.clean(st))) for st in self.smalltalk} if t]
        self.dialogue = {k: [(w, syllables(w)) for w in v] for k, v in dialogue["dialogue"].items()}
        self.cues = Cues.from_dialogue(dialogue)

    @classmethod
    def from_catalog(cls, catalog, dialogue: dict | None = None, dialect: bool = True,
                     situations: bool = True) -> IntentMatcher:
        """The kiosk's matcher: the catalog's phrases, the Lanzhou lexicon's words and the situations that tell a
        need without naming it (assets/situations.toml: phrases and patterns)."""
        from voice.lexicon import DERIVED_WEIGHT, derived_phrases, situation_patterns

        phrases = {c.id: list(c.phrases) for c in catalog.categories}
        derived = derived_phrases(phrases, dialect, situations) if dialect or situations else None
        return cls(phrases, dialogue, derived, DERIVED_WEIGHT, situation_patterns() if situations else None)

    def add_phrases(self, category: str | None, phrases) -> int:
        """Phrases learned in the field (sync/learned.py), added at run time and heard like the catalog's;
        `category` None: phrases that ask for nothing, heard as small talk. -> how many were new. New lists are
        swapped in whole, so a match running meanwhile sees the old phrases or the new ones."""
        cleaned = [c for c in dict.fromkeys(self.clean(p) for p in phrases) if syllables(c)]
        if category is None:
            new = [c for c in cleaned if c not in self.smalltalk]
            self.smalltalk = self.smalltalk + new
            self._talk_sounds = self._talk_sounds + [tuple(x.fold for x in syllables(c)) for c in new]
            return len(new)
        known = {(cid, p) for cid, p, _ in self.phrases}
        new = [c for c in cleaned if (category, c) not in known]
        self.phrases = self.phrases + [(category, c, syllables(c)) for c in new]
        self._by_sound = _sound_index(self.phrases)
        return len(new)

    def clean(self, text: str) -> str:
        text = _NOT_HAN.sub("", strip_asr_spaces(text))
        for f in self.fillers:
            text = text.replace(f, "")
        return text

    @staticmethod
    def _phrase_hit(cid: str, phrase: str, words: tuple[Syl, ...], costs: CostRows) -> Hit:
        utt = costs.utt
        if len(words) == 1:   # one syllable: only the very character counts (脏, 臭)
            idx = next((k for k, u in enumerate(utt) if u.char == words[0].char), None)
            return Hit(cid, phrase, 0.9, idx, idx + 1) if idx is not None else NO_HIT
        n = len(words)
        if len(utt) <= WINDOWED:
            cost, s, e = best_span(words, utt, costs)
        else:   # a long utterance: only around where the phrase's sounds are heard
            cost, s, e = min(best_span(words, utt, costs, lo, hi) for lo, hi in _windows(words, costs, n))
        score = max(0.0, 1 - cost / n)
        content = _content(phrase)
        if content and len(utt) - (e - s) > BARE and content.isdisjoint(u.char for u in utt[s:e]):
            # every meaningful character only by sound, amid other words: a hint, never a request (said nearly
            # alone, 赔真 is still 陪诊: there is no other word for it to straddle)
            score = min(score, OBJECT_ONLY)
        return Hit(cid, phrase, score, s, e)

    def _candidates(self, utt: tuple[Syl, ...]) -> list[int]:
        """The phrases that could come near the threshold: each syllable heard nowhere costs at least HALF."""
        folds = {u.fold for u in utt}
        finals = {"~" + u.fold[1:] for u in utt if len(u.fold) > 2}
        # each phrase syllable costs at least 0 if its sound is heard, HALF if only its final is, else DELETE
        lower: dict[int, list[float]] = {}
        for snd, cost in [(f, 0.0) for f in folds] + [(f, HALF) for f in finals]:
            for i, k in self._by_sound.get(snd, ()):
                row = lower.setdefault(i, [DELETE] * len(self.phrases[i][2]))
                row[k] = min(row[k], cost)
        budget = 1 - THRESHOLD + MARGIN
        return sorted(i for i, row in lower.items() if sum(row) <= budget * len(row))   # sorted: same order every run

    def hits(self, utt: tuple[Syl, ...]) -> list[Hit]:
        """Every catalog phrase heard anywhere in the utterance with a score above zero."""
        costs = CostRows(utt)
        out = [h for h in (self._phrase_hit(*self.phrases[i], costs) for i in self._candidates(utt)) if h.score > 0]
        text = "".join(u.char for u in utt)
        out += self._derived_hits(text)
        # word boundaries: a hit inside a longer word that means something else is no evidence (脏 in 心脏)
        out = [h for h in out if not self.cues.hidden(text, h)]
        # specificity: a hit inside a longer strong hit of another category is not evidence (漏水 in 屋顶漏水); a
        # pattern's span is loose (手机上…不会 spans what lies between), so it hides nothing
        strong = [h for h in out if h.score >= THRESHOLD and h.phrase not in self._pattern_texts]
        return [h for h in out if not any(o.category != h.category and h.inside(o) for o in strong)]

    def _derived_hits(self, text: str) -> list[Hit]:
        """Derived phrases heard as written; one with no measure word of its own also with measure words said
        inside it (送些吃的 is 送吃的, 查个身体 is 查身体); patterns for a need whose words stand apart (充一百块钱的气)."""
        at = [i for i, c in enumerate(text) if c not in SKIP]
        bare = "".join(text[i] for i in at)
        out = []
        for first in dict.fromkeys(text):   # only phrases starting with a character said (in the order said)
            for cid, p, skip_free in self._derived_by_first.get(first, ()):
                i = text.find(p)
                if i >= 0:
                    out.append(Hit(cid, p, self.derived_weight, i, i + len(p)))
                elif skip_free and len(bare) < len(text) and (i := bare.find(p)) >= 0:
                    out.append(Hit(cid, p, self.derived_weight, at[i], at[i + len(p) - 1] + 1))
        for cid, pat in self.patterns:
            m = pat.search(text)
            if m:
                out.append(Hit(cid, pat.pattern, self.derived_weight, m.start(), m.end()))
        return out

    @staticmethod
    def best_per_category(hits: list[Hit]) -> list[Hit]:
        """Each category's best hit, best first; a second phrase of the same category heard elsewhere in
        the utterance is more evidence (+0.04) — not one right beside it, which names the same thing (燃气灶打不着火)."""
        by_cat: dict[str, list[Hit]] = {}
        for h in hits:
            by_cat.setdefault(h.category, []).append(h)
        best = []
        for hs in by_cat.values():
            hs.sort(key=lambda h: (h.score, h.width), reverse=True)
            top = hs[0]
            if top.score >= THRESHOLD and any(h.score >= THRESHOLD and h.apart(top)
                                              and (h.start - top.end >= 2 or top.start - h.end >= 2) for h in hs[1:]):
                top = Hit(top.category, top.phrase, top.score + 0.04, top.start, top.end)
            best.append(top)
        return sorted(best, key=lambda h: (h.score, h.width), reverse=True)

    def _evidence(self, cleaned: str, heard: list[Hit]) -> tuple[list[Hit], str]:
        """Request words said in small talk (吃饭了没) or under a negation (不用送饭了) are no evidence:
        the hits that remain, and why any were dropped ("smalltalk" / "negated" / "")."""
        kept = self._outside_talk(cleaned, heard)
        unnegated = [h for h in kept if not self.cues.negated(cleaned, h)]
        # a fixture with nothing wrong with it is weak evidence (冰箱里空荡荡的: the need is told elsewhere)
        unnegated = _weaken(unnegated, lambda h: self.cues.idle_object(cleaned, h))
        # someone else's stay in hospital, what care costs (老伴住院了, 看病吃药都不够): the story around another
        # category's need told beside it, only a hint then (told alone, 老伴住院了需要人帮忙, it is the need)
        story = {id(h) for h in unnegated if self.cues.story_told(cleaned, h)}
        unnegated = _weaken(unnegated, lambda h: id(h) in story and any(
            o.category != h.category and o.score >= THRESHOLD for o in unnegated))
        # 反映/投诉 are how a complaint travels: with the complaint itself heard, they are only a hint
        told = any(h.score >= THRESHOLD and h.phrase not in self.cues.carriers for h in unnegated)
        unnegated = _weaken(unnegated, lambda h: told and h.phrase in self.cues.carriers)
        return unnegated, ("negated" if len(unnegated) < len(kept) else "smalltalk" if len(kept) < len(heard) else "")

    def _outside_talk(self, cleaned: str, heard: list[Hit]) -> list[Hit]:
        """The hits not inside a small-talk word; a longer request phrase that holds the talk word is its own
        reading (替我谢谢 is a message, not thanks)."""
        folds = [u.fold for u in syllables(cleaned)]
        talk = [(at, at + len(t)) for t in self._talk_sounds for at in range(len(folds) - len(t) + 1)
                if tuple(folds[at: at + len(t)]) == t]
        return [h for h in heard if not any(a < h.end and h.start < b and not (h.start <= a and b <= h.end
                                                                               and h.width > b - a) for a, b in talk)]

    def match(self, text: str) -> Match:
        """The request heard in `text`: one category, two said one after the other (`also`), a question between
        two (`ask`), or none with the reason. Each step below may decide; the first that does, answers."""
        raw = _NOT_HAN.sub("", strip_asr_spaces(text))
        cleaned = self.clean(text)
        utt = syllables(cleaned)
        if not utt:
            return Match(None, 0.0, raw, reason="empty")
        heard = self.hits(utt)
        evidence, dropped_as = self._evidence(cleaned, heard)
        first, second = (self.best_per_category(evidence) + [NO_HIT, NO_HIT])[:2]
        t = _Turn(raw, cleaned, heard, evidence, first, second)
        if first.score < THRESHOLD:
            return self._nothing_clear(t, dropped_as)
        why = self.cues.nothing_wrong(cleaned, evidence) or ("chat" if self.cues.no_need(raw, [first, *evidence]) else "")
        if why:
            return t.none(why)
        return (self._two_requests(t) or self._placed(raw, cleaned, first, second) or self._the_one_asked_for(t)
                or (t.none("tie", tuple(h.category for h in sorted((first, second), key=lambda h: (h.start, h.end))))
                    if first.score - second.score < MARGIN   # near-tie: ask between the two, in the order said
                    else Match(first.category, min(first.score, 1.0), raw, first.phrase, second.category or None,
                               min(second.score, 1.0))))

    def _nothing_clear(self, t: _Turn, dropped_as: str) -> Match:
        """No category heard well enough: why (talk, a negation, nothing wrong, or too little heard)."""
        strongest = max((h.score for h in t.heard), default=0.0)
        if dropped_as and strongest >= THRESHOLD:
            return Match(None, min(strongest, 1.0), t.raw, reason=dropped_as)
        why = self.cues.nothing_wrong(t.cleaned, t.heard) if strongest >= THRESHOLD else ""
        return t.none(why or "low")   # 暖气今年烧得挺热: talk, though the fixture alone was weak already

    def _two_requests(self, t: _Turn) -> Match | None:
        """充燃气，还有帮我买点菜: two needs joined, the first said then the second."""
        first, second = t.first, t.second
        if second.score < THRESHOLD or not first.apart(second):
            return None
        a, b = sorted((first, second), key=lambda h: h.start)
        if not self.cues.joined(t.cleaned, a, b):
            return None
        return Match(a.category, min(a.score, 1.0), t.raw, a.phrase, b.category, min(b.score, 1.0), also=b.category)

    def _the_one_asked_for(self, t: _Turn) -> Match | None:
        """In a near-tie, the category the resident asks for (帮我/给我/能不能 … before it) is the need and the
        other category's word the story around it."""
        first, second = t.first, t.second
        if not (first.score - second.score < MARGIN and second.score >= THRESHOLD and first.apart(second)):
            return None
        at = _positions(t.raw, t.cleaned)

        def asked(e: Hit) -> bool:
            since = max((at[o.end - 1] + 1 for o in t.evidence if o.category != e.category
                         and o.score >= THRESHOLD and o.end <= e.start), default=0)
            return self.cues.asked_for(t.raw, at[e.start], since)
        wanted = [h for h in (first, second)
                  if any(asked(e) for e in t.evidence if e.category == h.category and e.score >= THRESHOLD)]
        if len(wanted) != 1:
            return None
        h, other = wanted[0], (second if wanted[0] is first else first)
        return Match(h.category, min(h.score, 1.0), t.raw, h.phrase, other.category, min(other.score, 1.0))

    def _placed(self, raw: str, cleaned: str, first: Hit, second: Hit) -> Match | None:
        """A broken thing between the flat and the building (home_repair / building_facility) goes where the
        resident says it is: 楼道里的水管 is the building's, 家里的灯 the flat's; both places named: ask."""
        home, building = PLACE_PAIR
        if first.category not in PLACE_PAIR:
            return None
        where = self.cues.place(cleaned) & set(PLACE_PAIR)
        score = min(first.score, 1.0)
        if where == {home, building}:   # 我家住顶楼…天花板: ask, unless a building's own part was named
            part = next((h for h in (first, second) if h.category == building and h.score >= THRESHOLD
                         and h.phrase in self.cues.objects.get(building, ())), None)
            if part and {first.category, second.category} == set(PLACE_PAIR):   # 屋顶漏水…天花板: the roof's fault
                return Match(building, min(part.score, 1.0), raw, part.phrase, home, score)
            return Match(None, score, raw, first.phrase, second.category or None, min(second.score, 1.0), "tie",
                         PLACE_PAIR) if first.category == home else None
        if where == {building} and first.category == home:     # 楼道里的水管
            return Match(building, score, raw, first.phrase, home, score)
        if where == {first.category} and second.category in PLACE_PAIR and first.score - second.score < MARGIN:
            return Match(first.category, score, raw, first.phrase, second.category, min(second.score, 1.0))
        return None

    def choose(self, text: str, options: tuple[str, str]) -> str | None:
        """The answer to 'A, or B?': which of the two the resident named, or None (neither, or both)."""
        m = self.match(text)
        named = {h.category for h in self.best_per_category(self.hits(syllables(self.clean(text))))
                 if h.score >= THRESHOLD} & set(options)
        if m.intent in options and m.also is None:
            return m.intent
        return named.pop() if len(named) == 1 else None

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
