"""Speech recognition: the Recognizer interface, the real Vosk backend and a transcript double.

Vosk facts this module works around: the model takes seconds and hundreds of MB to load (so it
loads in a background thread, never on the touch screen's thread); grammars are JSON lists of
space-separated lexicon words and Vosk silently drops unknown words (so the grammar builder checks
every word with the model and reports what it dropped, and notices a model without "[unk]");
Chinese results come with spaces between words (stripped here).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assets.texts import t

log = logging.getLogger(__name__)

RATE = 16000
_HAN = "\u4e00-\u9fff"
_SPACE_NEAR_HAN = re.compile(rf"(?<=[{_HAN}])\s+|\s+(?=[{_HAN}])")
_HAS_HAN = re.compile(rf"[{_HAN}]")


def strip_spaces(text: str) -> str:
    """'我 家 天然气 没 了' -> '我家天然气没了'; spaces between non-Chinese words (Korean, Latin) stay."""
    return _SPACE_NEAR_HAN.sub("", " ".join(text.split()))


class Session(Protocol):
    def accept(self, pcm: bytes) -> None: ...   # int16 mono at the recogniser's rate
    def final(self) -> str: ...                 # the utterance, spaces stripped


class Recognizer(Protocol):
    rate: int
    @property
    def ready(self) -> bool: ...
    @property
    def health(self) -> str: ...
    def session(self, grammar: list[str] | None = None) -> Session: ...


@dataclass
class Grammar:
    sentences: list[str]                               # what Vosk gets (space-separated lexicon words)
    dropped: list[str] = field(default_factory=list)   # words the model does not know
    has_unk: bool = False                              # without [unk], any speech is forced onto a phrase


class VoskRecognizer:
    def __init__(self, model_dir: str | Path):
        self.model_dir = Path(model_dir)
        self.rate = RATE
        self.model = None
        self.error: str | None = None
        self.loaded = threading.Event()
        self.load_seconds: float | None = None
        self._thread: threading.Thread | None = None

    # -- loading -----------------------------------------------------------
    def start_loading(self) -> VoskRecognizer:
        """Load in a background thread (idempotent); `ready`/`health` tell when it is done."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.load, name="vosk-load", daemon=True)
            self._thread.start()
        return self

    def load(self) -> None:
        import time

        t0 = time.monotonic()
        try:
            if not (self.model_dir / "am" / "final.mdl").is_file():
                raise FileNotFoundError(t("recognizer.no_model", path=self.model_dir))
            import vosk

            vosk.SetLogLevel(-1)   # before the model: Kaldi otherwise logs every graph it reads
            self.model = vosk.Model(str(self.model_dir))
            self.load_seconds = time.monotonic() - t0
            log.info("speech model loaded from %s in %.1f s", self.model_dir, self.load_seconds)
        except Exception as exc:  # noqa: BLE001 - reported through health, the kiosk keeps working by touch
            self.error = str(exc) if isinstance(exc, FileNotFoundError) else t("recognizer.load_failed", reason=exc)
            log.warning("%s", self.error)
        finally:
            self.loaded.set()

    def wait(self, timeout: float | None = None) -> bool:
        self.start_loading()
        return self.loaded.wait(timeout) and self.model is not None

    @property
    def ready(self) -> bool:
        return self.model is not None

    @property
    def health(self) -> str:
        if self.model is not None:
            return "ok"
        if self.error:
            return self.error
        return t("recognizer.loading")

    # -- lexicon and grammar ------------------------------------------------
    def knows(self, word: str) -> bool:
        return self.model.vosk_model_find_word(word) >= 0

    def _segment(self, token: str) -> tuple[list[str], list[str]]:
        """Split a token into lexicon words (longest match first); unknown single characters are dropped."""
        if self.knows(token):
            return [token], []
        if not _HAS_HAN.search(token):
            return [], [token]
        words, dropped, i = [], [], 0
        while i < len(token):
            for j in range(min(len(token), i + 6), i, -1):
                if self.knows(token[i:j]):
                    words.append(token[i:j])
                    i = j
                    break
            else:
                dropped.append(token[i])
                i += 1
        return words, dropped

    def grammar(self, phrases: list[str]) -> Grammar:
        sentences, dropped = [], []
        for phrase in phrases:
            words: list[str] = []
            for token in phrase.split():
                kept, lost = self._segment(token)
                words += kept
                dropped += lost
            if words and " ".join(words) not in sentences:
                sentences.append(" ".join(words))
        has_unk = self.knows("[unk]")
        if has_unk:
            sentences.append("[unk]")
        if dropped:
            log.info("grammar: the model does not know %s", ", ".join(dropped))
        if not has_unk:
            log.info("grammar: the model has no [unk] word; every utterance maps onto some phrase")
        return Grammar(sentences, dropped, has_unk)

    def session(self, grammar: list[str] | Grammar | None = None) -> VoskSession:
        if self.model is None:
            raise RuntimeError(self.health)
        import vosk

        if grammar is None:
            rec = vosk.KaldiRecognizer(self.model, self.rate)
        else:
            sentences = grammar.sentences if isinstance(grammar, Grammar) else self.grammar(grammar).sentences
            if not sentences:   # Vosk crashes on an empty grammar
                raise ValueError(t("recognizer.no_known_word"))
            # ensure_ascii=False: Vosk does not decode \\u escapes and would drop every Chinese word
            rec = vosk.KaldiRecognizer(self.model, self.rate, json.dumps(sentences, ensure_ascii=False))
        return VoskSession(rec)


class VoskSession:
    def __init__(self, rec):
        self.rec = rec

    def accept(self, pcm: bytes) -> None:
        if pcm:
            self.rec.AcceptWaveform(pcm)

    def final(self) -> str:
        text = json.loads(self.rec.FinalResult()).get("text", "")
        return strip_spaces(text.replace("[unk]", ""))


class TranscriptRecognizer:
    """Test double at the Recognizer interface: 'recognises' the next queued transcript once it was fed
    audio. Used where no Chinese model can be installed (the UI flow test); the audio still goes
    through the real capture path."""

    rate = RATE

    def __init__(self, *transcripts: str):
        self.transcripts = list(transcripts)
        self.fed_bytes = 0

    ready = True
    health = "ok"

    def say_next(self, text: str) -> None:
        self.transcripts.append(text)

    def session(self, grammar=None):
        outer = self

        class _S:
            def accept(self, pcm: bytes) -> None:
                outer.fed_bytes += len(pcm)

            def final(self) -> str:
                return strip_spaces(outer.transcripts.pop(0)) if outer.transcripts else ""

        return _S()
