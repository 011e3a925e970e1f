"""Push-to-talk capture on real Mandarin speech (espeak-ng): end of speech, release, maximum length,
the kiosk's own voice ignored, and the resampler that feeds 16 kHz to the recogniser."""

from __future__ import annotations

import subprocess
import wave

import numpy as np
import pytest

from voice.listen import listen
from voice.microphone import FileMicrophone
from voice.recognizer import TranscriptRecognizer
from voice.resample import Resampler


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("speech")
    out = {}
    for name, text in (("short", "我家天然气快没了，帮我充一下"),
                       ("long", "我家楼道的灯坏了好几天了，晚上上下楼黑得很，麻烦你们派人来修一下，谢谢你们了")):
        raw, wav = d / f"{name}-raw.wav", d / f"{name}.wav"
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "48000", str(wav)], check=True)
        with wave.open(str(wav)) as w:
            out[name + "_s"] = w.getnframes() / w.getframerate()
        out[name] = wav
    silent = d / "silence.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(np.zeros(44100, dtype=np.int16).tobytes())
    out["silence"] = silent
    return out


def test_ends_on_silence_after_speech(speech):
    rec = TranscriptRecognizer("我 家 天然气 快 没 了")
    heard = listen(FileMicrophone(speech["short"]), rec, end_silence_s=1.0)
    assert heard.reason == "silence"
    assert heard.text == "我家天然气快没了"
    fed_s = rec.fed_bytes / 2 / 16000      # resampled to the recogniser's rate
    assert speech["short_s"] - 0.5 < fed_s < speech["short_s"] + 1.6
    assert abs(heard.speech_s - fed_s) < 0.5


def test_silence_is_no_speech_and_feeds_nothing(speech):
    rec = TranscriptRecognizer("不该出现")
    heard = listen(FileMicrophone(speech["silence"]), rec, start_timeout_s=2.0)
    assert heard.reason == "no_speech" and heard.text == "" and rec.fed_bytes == 0


def test_maximum_length(speech):
    rec = TranscriptRecognizer("楼道灯坏了")
    heard = listen(FileMicrophone(speech["long"]), rec, max_s=2.0)
    assert speech["long_s"] > 4
    assert heard.reason == "max" and 1.9 < heard.speech_s < 2.3


def test_release_of_the_button_ends_recording(speech):
    class ReleasedAfter(FileMicrophone):
        def chunks(self, stop):
            for i, c in enumerate(super().chunks(stop)):
                if i == 15:          # 1.5 s in: the finger leaves the button
                    stop.set()
                yield c

    heard = listen(ReleasedAfter(speech["long"]), TranscriptRecognizer("楼道灯"), max_s=10)
    assert heard.reason == "released" and heard.text == "楼道灯"


def test_the_kiosks_own_voice_is_ignored(speech):
    rec = TranscriptRecognizer("不该出现")
    heard = listen(FileMicrophone(speech["short"]), rec, speaking=lambda: True)
    assert heard.reason == "no_speech" and rec.fed_bytes == 0


def tone(freq: float, rate: int, seconds: float = 1.0) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16).tobytes()


def spectrum_peak(pcm: bytes, rate: int) -> tuple[float, float]:
    x = np.frombuffer(pcm, dtype=np.int16).astype(float)
    f = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.fft.rfftfreq(len(x), 1 / rate)[f.argmax()], float(np.sqrt(np.mean(x * x)))


@pytest.mark.parametrize("src", [48000, 44100])
def test_resampler_keeps_speech_band_and_removes_aliases(src):
    stream = Resampler(src, 16000)
    chunked = b"".join(stream(c) for c in _chunks(tone(440, src), src))
    whole = Resampler(src, 16000)(tone(440, src))
    assert abs(len(chunked) / 2 - 16000) < 40 and abs(len(whole) / 2 - 16000) < 40
    peak, level = spectrum_peak(chunked, 16000)
    assert abs(peak - 440) < 5 and level > 4000
    n = min(len(chunked), len(whole)) // 2
    a, b = (np.frombuffer(x, dtype=np.int16)[:n].astype(int) for x in (chunked, whole))
    assert np.abs(a - b).max() <= 2                        # chunk boundaries leave no clicks
    _, alias = spectrum_peak(Resampler(src, 16000)(tone(12000, src)), 16000)
    assert alias < 0.05 * level                           # 12 kHz would fold to 4 kHz without the filter


def _chunks(pcm: bytes, rate: int, block_s: float = 0.1):
    step = int(rate * block_s) * 2
    return [pcm[i:i + step] for i in range(0, len(pcm), step)]


def test_microphone_test_for_the_admin_screen(speech):
    from voice.microphone import SoundDeviceMicrophone, microphone_test

    assert microphone_test(FileMicrophone(speech["short"])) == "ok"
    assert microphone_test(FileMicrophone(speech["silence"], noise=0, tail_s=0.5)).startswith("话筒没有声音")
    missing = microphone_test(SoundDeviceMicrophone("no such microphone"))
    assert missing.startswith("没有找到麦克风") and "请用手点屏幕" in missing


def test_kiosk_listen_refuses_bad_files_in_one_line(tmp_path, capsys):
    from kiosk.cli import main

    (tmp_path / "bad.wav").write_text("hello")
    for name in ("bad.wav", "missing.wav"):
        assert main(["listen", "--wav", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("kiosk: error:")
