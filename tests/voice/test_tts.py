"""The real narration: pyttsx3 + espeak-ng Mandarin in one worker thread, with a watchdog."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kiosk.cli import main
from voice.tts import EspeakSpeaker, read_wav

SENTENCE = "您好，需要帮您充燃气卡、交燃气费，是吗？"


class BlockingPlayer:
    """Output double (no loudspeaker here): 'plays' until stop() or until told it is over."""

    def __init__(self, hang: bool = False):
        self.played: list[float] = []     # seconds of audio per play() call
        self.stops = 0
        self.hang = hang
        self._stop = threading.Event()
        self.started = threading.Event()

    def play(self, samples, rate):
        self._stop.clear()
        self.started.set()
        self.played.append(len(samples) / rate)
        if self.hang:
            threading.Event().wait()       # a driver that never returns
        self._stop.wait(len(samples) / rate)

    def stop(self):
        self.stops += 1
        self._stop.set()


def wait_for(cond, timeout=20.0):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def test_to_wav_writes_non_silent_mandarin_of_the_expected_length(tmp_path):
    speaker = EspeakSpeaker("cmn-latn-pinyin", 150)
    samples, rate = read_wav(speaker.to_wav(SENTENCE, tmp_path / "a.wav"))
    seconds = len(samples) / rate
    chars = sum("\u4e00" <= c <= "\u9fff" for c in SENTENCE)
    # espeak-ng Mandarin at 150 wpm speaks about 3-5 syllables a second
    assert 0.15 * chars < seconds < 0.45 * chars, seconds
    voiced = np.abs(samples.astype(np.int32)) > 1000
    assert voiced.mean() > 0.2          # speech, not silence
    speaker.set_rate(300)
    fast, rate = read_wav(speaker.to_wav(SENTENCE, tmp_path / "b.wav"))
    assert len(fast) < 0.75 * len(samples)
    speaker.close()


def test_unknown_voice_is_reported_not_raised(tmp_path):
    speaker = EspeakSpeaker("no-such-voice", player=BlockingPlayer())
    with pytest.raises(RuntimeError, match="no-such-voice"):
        speaker.to_wav("你好", tmp_path / "x.wav")
    speaker.say("你好")
    assert speaker.wait_idle(10)
    assert "no-such-voice" in speaker.health
    speaker.close()


def test_speech_is_queued_interrupted_and_repeated():
    player = BlockingPlayer()
    speaker = EspeakSpeaker(player=player)
    speaker.say("第一句话比较长，请您耐心听完，谢谢您。")
    assert player.started.wait(20)
    assert speaker.speaking
    speaker.say("第二句。")                        # the next screen interrupts the first
    assert wait_for(lambda: len(player.played) == 2)
    assert player.stops >= 1 and player.played[1] < player.played[0]
    speaker.say("第三句。", interrupt=False)       # queued behind the second
    assert speaker.wait_idle(20)
    assert len(player.played) == 3
    speaker.repeat()
    assert speaker.wait_idle(20)
    assert len(player.played) == 4 and abs(player.played[3] - player.played[2]) < 0.01
    speaker.set_volume(2.0)
    assert speaker.volume == 1.0 and speaker.health == "ok"
    speaker.close()


def test_a_hung_player_never_blocks_the_caller_and_is_reported():
    speaker = EspeakSpeaker(player=BlockingPlayer(hang=True), timeout_s=1.0)
    t0 = time.monotonic()
    speaker.say("你好")
    speaker.say("再说一句")
    assert time.monotonic() - t0 < 0.5              # say() only queues
    assert wait_for(lambda: speaker.health != "ok", timeout=10)
    assert "没有响应" in speaker.health
    assert not speaker.speaking       # the microphone is not ignored forever because of a hung player


def test_missing_loudspeaker_is_reported():
    import sounddevice as sd

    try:
        sd.query_devices(kind="output")
        has_output = True
    except Exception:  # noqa: BLE001 - PortAudio: no device at all
        has_output = False
    speaker = EspeakSpeaker()
    speaker.say("你好")
    assert speaker.wait_idle(20)
    if has_output:
        assert speaker.health == "ok"
    else:
        assert speaker.health.startswith("没有找到扬声器")
    speaker.close()


def test_kiosk_say_to_wav(tmp_path, capsys):
    out = tmp_path / "say.wav"
    assert main(["--config", str(tmp_path / "none.toml"), "say", "你好"]) == 1   # named config must exist
    assert capsys.readouterr().err.count("\n") == 1
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "say", "请到窗口取号", "--to-wav", str(out)]) == 0
    samples, rate = read_wav(out)
    assert len(samples) / rate > 1.0
