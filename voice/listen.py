"""One push-to-talk utterance: microphone -> resampler -> end-of-speech detection -> recogniser.

Recording ends on silence after speech, when the button is released (`stop`), or at the maximum
length. While the kiosk is speaking the microphone is ignored, so the kiosk never hears itself.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice.resample import Resampler

MIN_LEVEL = 400        # int16 RMS a voice at arm's length clearly exceeds
PRE_ROLL_S = 0.3       # audio kept from before the first loud chunk, so the first syllable is not cut


@dataclass
class Heard:
    text: str
    reason: str               # "silence", "released", "max", "no_speech"
    speech_s: float           # seconds of audio from the first loud chunk to the end
    finish_s: float           # end of speech -> text, seconds (the recogniser's final pass)


def rms(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


def listen(mic, recognizer, *, grammar=None, max_s: float = 10.0, end_silence_s: float = 1.0,
           start_timeout_s: float = 6.0, stop: threading.Event | None = None,
           speaking: Callable[[], bool] = lambda: False) -> Heard:
    stop = stop or threading.Event()
    session = recognizer.session(grammar)
    rate = mic.rate          # read once: a real device answers by querying PortAudio
    resample = Resampler(rate, recognizer.rate)
    pre: deque[bytes] = deque(maxlen=max(1, int(PRE_ROLL_S / 0.1)))
    noise = 0.0
    started = None          # seconds of audio heard when speech began
    heard_s = silent_s = 0.0
    reason = "no_speech"
    chunks = mic.chunks(stop)
    for chunk in chunks:
        if speaking():
            pre.clear()     # the kiosk's own voice: not the resident
            continue
        dur = len(chunk) / 2 / rate
        heard_s += dur
        level = rms(chunk)
        pcm = resample(chunk)
        if started is None:
            if level > max(MIN_LEVEL, 3 * noise):
                started = heard_s - dur
                for old in pre:
                    session.accept(old)
                session.accept(pcm)
            else:
                noise = 0.8 * noise + 0.2 * level   # only quiet chunks teach the room's noise level
                pre.append(pcm)
                if heard_s >= start_timeout_s:
                    break
            continue
        session.accept(pcm)
        silent_s = silent_s + dur if level < max(MIN_LEVEL, 2.5 * noise) else 0.0
        if silent_s >= end_silence_s:
            reason = "silence"
            break
        if heard_s - started >= max_s:
            reason = "max"
            break
    else:
        reason = "released" if started is not None else "no_speech"
    stop.set()
    if hasattr(chunks, "close"):
        chunks.close()      # closes a live input stream now, not when the generator is collected
    if started is None:
        return Heard("", "no_speech", 0.0, 0.0)
    t0 = time.monotonic()
    text = session.final()
    return Heard(text, reason, heard_s - started, time.monotonic() - t0)
