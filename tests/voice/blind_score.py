"""Score an intent matcher on the blind sets (tests/voice/blind/*.tsv: round 1, tuning sets since round 2;
tests/voice/blind2/*.tsv: round 2, tuning sets since round 3; blind3: round 3, tuning sets since round 4; blind4:
round 4, held out, added by the lead), each
frozen with SHA256SUMS beside it.

Format: expected<TAB>utterance; expected is a category id, `a+b` for two requests in one sentence, or `none`.
Works with today's matcher and with older ones that had no Match.ask / Match.also (they count as absent).

- top-1: one request: intent is it; two requests: intent is one and `also` the other; none: no intent, no question.
- within one question: right at once, or the right one among the two asked; for two requests, one of them
  confirmed or asked about.
- non-requests accepted: a non-request given an intent (a question between two is counted apart: `asked`).
- wrong category: a request given an intent that is not (one of) the expected.

    python -m tests.voice.blind_score [ROOT] [--dir blind2]   # ROOT: a checkout whose voice/ and sync/ to score
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

BLIND = Path(__file__).resolve().parent / "blind"      # round 1: tuning sets since round 2
BLIND2 = BLIND.with_name("blind2")                    # round 2: tuning sets since round 3
BLIND3 = BLIND.with_name("blind3")                    # round 3: tuning sets since round 4
BLIND4 = BLIND.with_name("blind4")                    # round 4: held out, scored once


def verify(folder: Path = BLIND) -> None:
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
            raise AssertionError(f"{name} changed since it was frozen")


def load(name: str, folder: Path = BLIND) -> list[tuple[str, str]]:
    rows = []
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            expected, text = line.split("\t")
            rows.append((expected, text))
    return rows


def sets(folder: Path = BLIND) -> list[str]:
    return sorted(p.name for p in folder.glob("*.tsv"))


def score(matcher, rows) -> dict:
    n = len(rows)
    top1 = within = wrong = accepted = asked = nones = requests = 0
    misses = []
    for expected, text in rows:
        m = matcher.match(text)
        ask, also = set(getattr(m, "ask", None) or ()), getattr(m, "also", None)
        want = set(expected.split("+"))
        if expected == "none":
            nones += 1
            accepted += m.intent is not None
            asked += bool(ask)
            ok = okq = m.intent is None and not ask
        else:
            requests += 1
            wrong += m.intent is not None and m.intent not in want
            if len(want) == 2:
                ok = m.intent in want and also in want and also != m.intent
                okq = ok or m.intent in want or bool(ask & want)
            else:
                ok = m.intent == expected
                okq = ok or (m.intent is None and expected in ask)
        top1 += ok
        within += okq
        if not ok:
            misses.append((expected, m.intent, sorted(ask), also, getattr(m, "reason", ""), text))
    return {"utterances": n, "requests": requests, "non_requests": nones, "top1": top1 / n,
            "within_one_question": within / n, "wrong_category": wrong, "non_requests_accepted": accepted,
            "non_requests_asked": asked, "misses": misses}


def main(root: str | None = None, folder: Path = BLIND) -> int:
    verify(folder)
    if root:
        sys.path.insert(0, root)
    from sync.catalog import default_catalog
    from voice.intents import IntentMatcher

    matcher = IntentMatcher.from_catalog(default_catalog())
    for name in sets(folder):
        r = score(matcher, load(name, folder))
        print(f"{name}: {r['utterances']} utterances ({r['requests']} requests, {r['non_requests']} non-requests): "
              f"top-1 {r['top1']:.1%}, within one question {r['within_one_question']:.1%}, "
              f"wrong category {r['wrong_category']}, non-requests accepted {r['non_requests_accepted']}"
              f"/{r['non_requests']} (asked {r['non_requests_asked']})")
        for miss in r["misses"]:
            print("    miss:", *miss)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    folder = BLIND.with_name(args.pop(args.index("--dir") + 1)) if "--dir" in args else BLIND
    args = [a for a in args if a != "--dir"]
    sys.exit(main(args[0] if args else None, folder))
