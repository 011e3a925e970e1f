"""Recogniser-like corruption of utterances, deterministic by seed: a character replaced by a common
character that sounds the same without tones (homophone: 燃气 → 燃起), or that a Lanzhou speaker
would make sound the same (dialect: n/l, en/eng, in/ing, an/ang, z/zh, c/ch, s/sh, shu→fu)."""

from __future__ import annotations

import random
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from voice.intents import _fold


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """GB2312 level 1 (the 3,755 common characters a recogniser's lexicon writes) by sound."""
    common = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
              if not (hi == 0xD7 and lo > 0xF9)]
    by_raw: dict[str, list[str]] = {}
    by_fold: dict[str, list[str]] = {}
    for c, p in zip(common, lazy_pinyin("".join(common), style=Style.NORMAL), strict=True):
        by_raw.setdefault(p, []).append(c)
        by_fold.setdefault(_fold(p), []).append(c)
    return by_raw, by_fold


def corrupt(text: str, kind: str, rng: random.Random) -> str | None:
    """`text` with one Chinese character swapped for a `kind` ("homophone" or "dialect") look-alike,
    or None when that character has none."""
    by_raw, by_fold = _index()
    spots = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    if not spots:
        return None
    i = rng.choice(spots)
    raw = lazy_pinyin(text[i], style=Style.NORMAL)[0]
    if kind == "homophone":
        options = [c for c in by_raw.get(raw, []) if c != text[i]]
    else:
        options = [c for c in by_fold.get(_fold(raw), []) if lazy_pinyin(c, style=Style.NORMAL)[0] != raw]
    return text[:i] + rng.choice(options) + text[i + 1:] if options else None
