"""Microphones: int16 mono chunks at the device's own rate (plyer style: interface, real backend, file-backed).

Many USB microphones only offer 44.1/48 kHz, so capture happens at the device's rate and
voice/listen.py resamples for the recogniser. A machine without a microphone makes PortAudio raise
("Error querying device -1"); `health` turns that into a sentence for the admin screen.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from assets.texts import t

BLOCK_S = 0.1


log = logging.getLogger(__name__)

class Microphone(Protocol):
    @property
    def rate(self) -> int: ...
    @property
    def health(self) -> str: ...   # "ok" or a Chinese sentence
    def chunks(self, stop: threading.Event) -> Iterator[bytes]: ...   # until stop is set


def _device(spec: str):
    return int(spec) if spec.strip().isdigit() else (spec or None)


class SoundDeviceMicrophone:
    """The real microphone, through sounddevice.RawInputStream."""

    def __init__(self, device: str = ""):
        self.device = _device(device)

    def _info(self) -> dict:
        import sounddevice as sd

        return sd.query_devices(self.device, kind="input")

    @property
    def rate(self) -> int:
        return int(self._info()["default_samplerate"])

    @property
    def health(self) -> str:
        try:
            info = self._info()
        except Exception as exc:  # noqa: BLE001 - PortAudioError, ValueError for a wrong name
            log.info("microphone: %s", exc)   # PortAudio's English goes to the log, not into speech
            return t("microphone.none")
        if info.get("max_input_channels", 0) < 1:
            return t("microphone.cannot_record")
        return "ok"

    def chunks(self, stop: threading.Event) -> Iterator[bytes]:
        import sounddevice as sd

        rate = self.rate
        blocks: queue.Queue[bytes] = queue.Queue()
        with sd.RawInputStream(samplerate=rate, channels=1, dtype="int16", device=self.device,
                               blocksize=int(rate * BLOCK_S), callback=lambda data, *_: blocks.put(bytes(data))):
            while not stop.is_set():
                try:
                    yield blocks.get(timeout=0.5)
                except queue.Empty:
                    continue


class FileMicrophone:
    """A microphone that 'hears' a WAV file (mono, 16-bit) and then a quiet room.

    Used by `kiosk listen --wav`, by tests and benchmarks: the same capture-to-recogniser path as the
    real microphone. `realtime=True` paces chunks like a live device.
    """

    def __init__(self, path: str | Path | None = None, *, realtime: bool = False, tail_s: float = 3.0,
                 noise: int = 30):
        self.path = Path(path) if path else None
        self.realtime = realtime
        self.tail_s = tail_s
        self.noise = noise
        self._rate = 16000
        if self.path:
            self.load(self.path)

    def load(self, path: str | Path) -> None:
        """Next utterance to hear (tests 'speak' by loading a file)."""
        try:
            with wave.open(str(path), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise ValueError(t("microphone.wav_format", path=path))
                self._rate = w.getframerate()
                self._pcm = w.readframes(w.getnframes())
        except (wave.Error, EOFError) as exc:
            raise ValueError(t("microphone.not_wav", path=path, reason=str(exc) or t("microphone.too_short"))) from None
        self.path = Path(path)

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def health(self) -> str:
        return "ok" if self.path else t("microphone.no_recording")

    def chunks(self, stop: threading.Event) -> Iterator[bytes]:
        step = int(self._rate * BLOCK_S) * 2
        pcm = self._pcm if self.path else b""
        # a quiet room with a little noise after the words, so end-of-speech detection has something to hear
        rng = np.random.default_rng(0)
        tail = (rng.normal(0, self.noise, int(self._rate * self.tail_s))).astype(np.int16).tobytes()
        data = pcm + tail
        for i in range(0, len(data), step):
            if stop.is_set():
                return
            if self.realtime:
                time.sleep(BLOCK_S)
            yield data[i:i + step]


def microphone_test(mic, seconds: float = 1.0) -> str:
    """Admin screen's 测试话筒: "ok" when the microphone delivers sound, else a sentence saying what is wrong."""
    health = mic.health
    if health != "ok":
        return health
    stop = threading.Event()
    peak, got = 0, 0
    end = time.monotonic() + seconds
    try:
        for chunk in mic.chunks(stop):
            x = np.frombuffer(chunk, dtype=np.int16)
            peak, got = max(peak, int(np.abs(x.astype(np.int32)).max(initial=0))), got + len(x)
            if time.monotonic() > end:
                break
    except Exception as exc:  # noqa: BLE001 - PortAudio errors while opening the stream
        log.info("microphone test: %s", exc)
        return t("microphone.cannot_open")
    finally:
        stop.set()
    if got == 0:
        return t("microphone.no_sound")
    if peak < 50:
        return t("microphone.silent")
    return "ok"
