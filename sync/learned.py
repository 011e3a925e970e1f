"""Phrases learned from the field: the post's catalog additions, kept in the kiosk's data dir (issue 14.4).

What a kiosk could not place travels to the server as an `utterance` item; a cadre labels it on the workbench
(没听懂的话) with a category or 不是诉求; the labels of the post come back as one versioned snapshot
(protocol.PHRASES_PATH), fetched by the sync client and stored here. The voice screen hands them to its intent
matcher before each utterance (`apply`), so a phrase labelled on the server is understood after the next sync.

The file holds the whole snapshot, not deltas: a relabelled phrase leaves its old category, and a lost or
damaged file is simply fetched again (version 0).
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from pathlib import Path

from sync import protocol

log = logging.getLogger(__name__)

FILE_NAME = "learned_phrases.json"


class LearnedPhrases:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._applied: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # matcher -> version applied
        self.version, self.phrases, self.not_requests = 0, {}, []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("learned phrases %s unreadable (%s): fetched again on the next sync", self.path, exc)
            return
        if not protocol.validate_phrases(data):
            self._set(data)

    def _set(self, data: dict) -> None:
        self.version = data["version"]
        self.phrases = {c: list(dict.fromkeys(ps)) for c, ps in data.get("phrases", {}).items() if ps}
        self.not_requests = list(dict.fromkeys(data.get("not_requests", [])))

    def update(self, data: dict) -> bool:
        """Store a snapshot from the server unless it is the version held (a lower one: the server's database was
        restored, and its word wins); True when it changed. ValueError if malformed."""
        errors = protocol.validate_phrases(data)
        if errors:
            raise ValueError("; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
        if data["version"] == self.version or "phrases" not in data:
            return False
        snapshot = {"version": data["version"], "phrases": data.get("phrases", {}),
                    "not_requests": data.get("not_requests", [])}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name("." + self.path.name + ".tmp")
        tmp.write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)
        with self._lock:
            self._set(snapshot)
        return True

    def apply(self, matcher, known=None) -> bool:
        """Give `matcher` the phrases it has not had yet (categories outside `known` are skipped). False when
        a phrase it was given earlier was relabelled or withdrawn since: the caller builds a fresh matcher."""
        with self._lock:
            version, phrases, not_requests = self.version, self.phrases, self.not_requests
        had = self._applied.get(matcher)
        if had is not None and had[0] == version:
            return True
        given = {(c, p) for c, ps in phrases.items() if known is None or c in known for p in ps}
        given |= {(None, p) for p in not_requests}
        if had is not None and not had[1] <= given:
            return False
        new = sorted(given - (had[1] if had else set()), key=lambda cp: (cp[0] or "", cp[1]))
        for cid in dict.fromkeys(c for c, _ in new):
            matcher.add_phrases(cid, [p for c, p in new if c == cid])
        self._applied[matcher] = (version, given)
        return True
