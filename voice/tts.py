"""Narration interface. The kiosk only ever talks to a Speaker.

Real backend: pyttsx3 with espeak-ng (see voice/espeak.py once it lands); test double: RecordingSpeaker.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Speaker(Protocol):
    def say(self, text: str, *, interrupt: bool = True) -> None: ...
    def repeat(self) -> None: ...
    def stop(self) -> None: ...
    def set_rate(self, words_per_minute: int) -> None: ...
    def set_volume(self, volume: float) -> None: ...
    @property
    def speaking(self) -> bool: ...
    @property
    def health(self) -> str: ...   # "ok" or a Chinese sentence saying what is missing


class RecordingSpeaker:
    """Test double: remembers what would have been said, says nothing."""

    def __init__(self) -> None:
        self.spoken: list[str] = []
        self.rate = 150
        self.volume = 0.9
        self._lock = threading.Lock()

    def say(self, text: str, *, interrupt: bool = True) -> None:
        with self._lock:
            self.spoken.append(text)

    def repeat(self) -> None:
        with self._lock:
            if self.spoken:
                self.spoken.append(self.spoken[-1])

    def stop(self) -> None:
        pass

    def set_rate(self, words_per_minute: int) -> None:
        self.rate = words_per_minute

    def set_volume(self, volume: float) -> None:
        self.volume = volume

    @property
    def speaking(self) -> bool:
        return False

    @property
    def health(self) -> str:
        return "ok"

    @property
    def last(self) -> str | None:
        return self.spoken[-1] if self.spoken else None
