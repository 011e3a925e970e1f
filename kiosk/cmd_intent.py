"""`kiosk intent`: UTF-8 lines on stdin → one JSON object per line (DESIGN.md §8).

Each object has text (the line as given), heard (Chinese characters only, recogniser spaces stripped), intent
(a catalog id or null), score, and why there is no intent (reason: empty, low, tie, smalltalk, negated, fine, chat)
so installers can see what the matcher heard. When the kiosk would ask between two categories ("您是要代充燃气，
还是上门送餐？") the object has "ask": [id, id] and intent null; when one sentence holds two requests, "also"
is the second one, offered after the first is confirmed.
"""

from __future__ import annotations

import io
import json
import sys


def register(sub) -> None:
    what = "match utterances (stdin, one per line) to request categories; prints one JSON object per line"
    p = sub.add_parser("intent", help=what, description=what)
    p.add_argument("--dialogue", action="store_true",
                   help="also report the dialogue word (yes/no/home/repeat/help/lessons/status) as \"dialogue\"")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.cli import CommandError
    from sync.catalog import default_catalog
    from voice.intents import IntentMatcher

    matcher = IntentMatcher.from_catalog(default_catalog())
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict")
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    n = 0
    try:
        for n, line in enumerate(stdin, 1):  # noqa: B007 - n is reported on a decoding error
            line = line.rstrip("\r\n")
            heard = matcher.match(line).as_dict()
            result = {"text": line, "heard": heard.pop("text"), **heard}
            if args.dialogue:
                result["dialogue"] = matcher.match_dialogue(line)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    except UnicodeDecodeError:
        raise CommandError(f"input line {n + 1} is not UTF-8 text") from None
    finally:
        out.detach()
    return 0
