"""Narration interface. The kiosk only ever talks to a Speaker.

Real backend: EspeakSpeaker (pyttsx3 with espeak-ng, one worker thread owns the engine, a watchdog
reports a stuck engine or a missing loudspeaker); test double: RecordingSpeaker.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Protocol

from assets.texts import t

log = logging.getLogger(__name__)


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


def read_wav(path: str | Path):
    """(int16 numpy samples, rate) of a mono 16-bit WAV file."""
    import numpy as np

    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16), w.getframerate()


class SoundDevicePlayer:
    """Plays int16 samples on the default output; stop() from any thread cuts playback short."""

    def play(self, samples, rate: int) -> None:
        import sounddevice as sd

        sd.play(samples, rate)
        sd.wait()

    def stop(self) -> None:
        try:
            import sounddevice as sd

            sd.stop()
        except Exception:  # noqa: BLE001 - nothing is playing or there is no device: nothing to stop
            pass


class _EspeakEngine:
    """espeak-ng through pyttsx3's binding (pyttsx3.drivers._espeak), driven synchronously.

    pyttsx3 2.99's own espeak driver applies rate changes one utterance late, sometimes writes an
    empty file and plays through `aplay` with os.system (uninterruptible); so the worker calls the
    binding directly, collects the samples and leaves playback to an interruptible player.
    The binding is private: pyttsx3 is pinned exactly (pyproject.toml, requirements/) and
    tests/voice/test_pyttsx3_binding.py fails when a release moves or changes what is used here.
    Only the worker thread may call synth().
    """

    _rate: int | None = None    # espeak initialises once per process

    def __init__(self, voice: str):
        from pyttsx3.drivers import _espeak

        self.es = _espeak
        if _EspeakEngine._rate is None:
            rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_RETRIEVAL, 500)
            if rate <= 0:
                raise RuntimeError(t("tts.espeak_failed"))
            _EspeakEngine._rate = rate
        if _espeak.SetVoiceByName(voice.encode("utf-8")) != _espeak.EE_OK:
            raise RuntimeError(t("tts.no_voice", voice=voice))
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._collect)

    def _collect(self, wav, numsamples, events) -> int:
        if numsamples > 0:
            import ctypes

            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def synth(self, text: str, rate: int, volume: float) -> tuple[bytes, int]:
        es = self.es
        es.SetParameter(es.RATE, int(rate), 0)
        es.SetParameter(es.VOLUME, int(round(volume * 100)), 0)
        self._chunks = []
        es.Synth(text, flags=es.CHARS_UTF8 | es.ENDPAUSE)
        es.Synchronize()
        return b"".join(self._chunks), _EspeakEngine._rate


class _Job:
    def __init__(self, text: str, generation: int, wav_path: str | None = None):
        self.text, self.generation, self.wav_path = text, generation, wav_path
        self.done = threading.Event()
        self.error: str | None = None


class EspeakSpeaker:
    """pyttsx3 + espeak-ng narration. say() never blocks: one worker thread owns the engine (pyttsx3
    raises "run loop already started" or hangs when shared across threads), synthesises to a WAV and
    plays it with an interruptible player; a watchdog marks the speaker unhealthy when one job
    exceeds `timeout_s`, so a stuck engine never hangs the touch screen."""

    def __init__(self, voice: str = "cmn-latn-pinyin", rate: int = 150, volume: float = 0.9, *,
                 player=None, timeout_s: float = 20.0):
        self.voice, self.rate, self.volume = voice, rate, volume
        self.player = player if player is not None else SoundDevicePlayer()
        self.timeout_s = timeout_s
        self.last_text: str | None = None
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._generation = 0
        self._busy_since: float | None = None
        self._engine_error: str | None = None
        self._play_error: str | None = None
        self._stuck = False
        self._closed = threading.Event()
        self._worker = threading.Thread(target=self._run, name="tts-worker", daemon=True)
        self._worker.start()
        self._watchdog = threading.Thread(target=self._watch, name="tts-watchdog", daemon=True)
        self._watchdog.start()

    # -- Speaker interface -------------------------------------------------
    def say(self, text: str, *, interrupt: bool = True) -> None:
        text = text.strip()
        if not text:
            return
        if interrupt:
            self.stop()
        self.last_text = text
        self._jobs.put(_Job(text, self._generation))

    def repeat(self) -> None:
        if self.last_text:
            self.say(self.last_text)

    def stop(self) -> None:
        self._generation += 1   # queued and current jobs of older generations are dropped
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self.player.stop()

    def set_rate(self, words_per_minute: int) -> None:
        self.rate = int(words_per_minute)

    def set_volume(self, volume: float) -> None:
        self.volume = max(0.0, min(1.0, float(volume)))

    @property
    def speaking(self) -> bool:
        if self._stuck:
            return False    # a hung engine must not keep the microphone ignored forever
        return self._busy_since is not None or not self._jobs.empty()

    @property
    def health(self) -> str:
        if self._stuck:
            return t("tts.stuck")
        if self._engine_error:
            return t("tts.engine_failed", reason=self._engine_error)
        if self._play_error:
            return t("tts.no_speaker", reason=self._play_error)
        return "ok"

    # -- files (kiosk say --to-wav, tests, benchmarks) -----------------------
    def to_wav(self, text: str, path: str | Path, timeout_s: float | None = None) -> Path:
        """Synthesise `text` into a WAV file through the same worker; raises RuntimeError on failure."""
        job = _Job(text.strip(), self._generation, str(path))
        self._jobs.put(job)
        if not job.done.wait(timeout_s or self.timeout_s):
            raise RuntimeError(t("tts.timeout"))
        if job.error:
            raise RuntimeError(job.error)
        return Path(path)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Block until everything queued has been said (CLI and tests; never on the UI thread)."""
        end = time.monotonic() + timeout_s
        while self.speaking:
            if time.monotonic() > end:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        self.stop()
        self._closed.set()
        self._jobs.put(None)

    # -- worker ----------------------------------------------------------
    def _engine(self):
        return _EspeakEngine(self.voice)

    def _synth(self, engine, text: str, path: str) -> None:
        samples, rate = engine.synth(text, self.rate, self.volume)
        if not samples:
            raise RuntimeError(t("tts.no_sound"))
        with wave.open(path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples)

    def _run(self) -> None:
        engine = None
        while not self._closed.is_set():
            job = self._jobs.get()
            if job is None:
                break
            if job.wav_path is None and job.generation != self._generation:
                continue   # interrupted before it started
            self._busy_since = time.monotonic()
            try:
                if engine is None:
                    engine = self._engine()
                    self._engine_error = None
                if job.wav_path:
                    self._synth(engine, job.text, job.wav_path)
                else:
                    self._speak(engine, job)
            except Exception as exc:  # noqa: BLE001 - reported through health, never raised into the UI
                job.error = str(exc) or type(exc).__name__
                if engine is None:
                    self._engine_error = job.error
                log.info("speech failed: %s", job.error)
            finally:
                self._busy_since = None
                job.done.set()

    def _speak(self, engine, job: _Job) -> None:
        fd, tmp = tempfile.mkstemp(suffix=".wav", prefix="tts-")
        os.close(fd)
        try:
            self._synth(engine, job.text, tmp)
            samples, rate = read_wav(tmp)
        finally:
            os.unlink(tmp)
        if job.generation != self._generation:
            return
        try:
            self.player.play(samples, rate)
            self._play_error = None
        except Exception as exc:
            self._play_error = str(exc) or type(exc).__name__
            raise

    def _watch(self) -> None:
        while not self._closed.wait(0.5):
            since = self._busy_since
            if since is not None and time.monotonic() - since > self.timeout_s:
                if not self._stuck:
                    log.error("speech worker stuck for %.0f s", time.monotonic() - since)
                self._stuck = True
                self.player.stop()
