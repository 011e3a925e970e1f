"""Kiosk UI speed (docs/architecture.md "Speed"): cold start to an interactive home screen, tap to next screen drawn.

Cold start: a fresh process (new data dir) does what `kiosk run --windowed` does; the clock starts just
before the process is spawned and stops when (1) the home screen's first frame is flipped and (2) a tap on
我要求助 made at that moment has drawn the categories screen. The speech model loads in the background.
Tap latency: one process drives the real app through the whole journey by simulated touches (the real
espeak-ng speaker narrates each screen, submitting writes the real outbox); each figure is from the touch's
release to the flip of the first frame that shows the next screen. "CPU" rows are the process's CPU time
(all threads: UI, llvmpipe's rasteriser threads, speech synthesis) over the same span: roughly what the tap
costs when the machine is not shared; wall time also includes waiting for cores other processes hold.

    .venv/bin/python bench/bench_ui.py [--starts 5] [--rounds 20] [--speaker real|silent] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _config(data_dir: str, debounce_ms: int = 400):
    from kiosk import config as kconfig

    return kconfig.parse({"kiosk": {"data_dir": data_dir, "touch_debounce_ms": debounce_ms},
                          "screen": {"fullscreen": False},
                          "server": {"url": "http://127.0.0.1:9"}}, "bench", Path(data_dir) / "kiosk.toml")


def _headless() -> None:
    os.environ.pop("DISPLAY", None)
    os.environ.pop("WAYLAND_DISPLAY", None)
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


# -- cold start (child process) --------------------------------------------------------------
def child_cold(t0: float) -> None:
    _headless()
    from kiosk import kivyenv

    cfg = _config(tempfile.mkdtemp(prefix="bench-ui-"))
    s = cfg["screen"]
    kivyenv.prepare(cfg.data_dir, fullscreen=False, size=(s["width"], s["height"]), log_level="warning")
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.app import KioskApp
    from kiosk.wiring import build_services
    from tests.ui.find import button

    app = KioskApp(build_services(cfg))
    out: dict = {}

    def flipped(*_):
        now = time.time() - t0
        if "home_drawn_s" not in out and app.sm.current == "home":
            out["home_drawn_s"] = now
            tile = button(app.sm.current_screen, "我要求助")
            touch = UnitTestTouch(*tile.to_window(*tile.center))
            touch.touch_down()
            touch.touch_up()
        elif "home_drawn_s" in out and app.sm.current == "categories" and "interactive_s" not in out:
            out["interactive_s"] = now
            out["model_still_loading"] = "加载" in str(app.services.voice_health().get("model", ""))
            Clock.schedule_once(lambda *_: app.stop(), 0)

    Window.bind(on_flip=flipped)
    app.run()
    print(json.dumps(out))


def cold_starts(n: int) -> list[dict]:
    results = []
    for _ in range(n):
        t0 = time.time()
        p = subprocess.run([sys.executable, __file__, "--child-cold", repr(t0)], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
        if p.returncode != 0:
            raise SystemExit(f"cold start child failed: {p.stderr.strip().splitlines()[-1:]}")
        results.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return results


# -- tap latency (child process) -------------------------------------------------------------
def child_latency(rounds: int, speaker: str) -> None:
    _headless()
    from tests.kivy_harness import start_app
    from voice.tts import RecordingSpeaker

    h = start_app(_config(tempfile.mkdtemp(prefix="bench-ui-"), debounce_ms=0),
                  RecordingSpeaker() if speaker == "silent" else None)
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from tests.ui.find import button

    app = h.app
    state = {"target": None, "t": 0.0, "cpu": 0.0, "hit": None}

    def flipped(*_):
        if state["target"] and state["target"](app) and state["hit"] is None:
            state["hit"] = time.perf_counter() - state["t"]
            state["hit_cpu"] = time.process_time() - state["cpu"]

    Window.bind(on_flip=flipped)
    samples: dict[str, list[float]] = {}

    def tap(label: str, what: str, arrived) -> None:
        h.pump(0.03)
        w = button(app.sm.current_screen, label)
        touch = UnitTestTouch(*w.to_window(*w.center))
        touch.touch_down()
        EventLoop.idle()
        state.update(target=arrived, hit=None, t=time.perf_counter(), cpu=time.process_time())
        touch.touch_up()
        deadline = time.perf_counter() + 5
        while state["hit"] is None:
            EventLoop.idle()
            if time.perf_counter() > deadline:
                raise SystemExit(f"{what}: next screen never drawn")
        samples.setdefault(what, []).append(state["hit"] * 1000)
        samples.setdefault("CPU " + what, []).append(state["hit_cpu"] * 1000)   # all threads: UI, GL rasteriser, speech
        state["target"] = None

    on = lambda name: lambda a: a.sm.current == name  # noqa: E731
    for _ in range(rounds):
        app.home()
        tap("我要求助", "home → categories", on("categories"))
        tap("代充燃气", "categories → who-and-where", on("contact"))
        tap("大爷", "who-and-where step → next step", lambda a: a.sm.current_screen.step == "building")
        tap("3号楼", "who-and-where step → next step", lambda a: a.sm.current_screen.step == "unit")
        tap("跳过", "who-and-where step → next step", lambda a: a.sm.current_screen.step == "phone")
        for d in "13800001111":
            h.pump(0.01)
            w = button(app.sm.current_screen, d)
            t = UnitTestTouch(*w.to_window(*w.center))
            t.touch_down()
            t.touch_up()
        tap("确定", "phone 确定 → confirm", on("confirm"))
        tap("确认提交", "确认提交 → receipt (durable outbox write)", on("receipt"))
        tap("我记住了", "receipt → home", on("home"))
        tap("查进度", "home → status", on("status"))
    print(json.dumps(samples))
    app.stop()


def latency(rounds: int, speaker: str) -> dict[str, list[float]]:
    p = subprocess.run([sys.executable, __file__, "--child-latency", str(rounds), "--speaker", speaker],
                       capture_output=True, text=True,
                       cwd=ROOT, timeout=900)
    if p.returncode != 0:
        raise SystemExit(f"latency child failed: {p.stderr.strip().splitlines()[-3:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=5, help="cold starts to time (default 5)")
    ap.add_argument("--rounds", type=int, default=20, help="journeys to time taps over (default 20)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--speaker", choices=("real", "silent"), default="real",
                    help="narrate with the real espeak-ng speaker (default) or the silent test double")
    ap.add_argument("--child-cold", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--child-latency", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_cold is not None:
        child_cold(args.child_cold)
        return 0
    if args.child_latency is not None:
        child_latency(args.child_latency, args.speaker)
        return 0
    starts = cold_starts(args.starts)
    taps = latency(args.rounds, args.speaker)
    everything = [x for k, v in taps.items() if not k.startswith("CPU ") for x in v]
    cpu = [x for k, v in taps.items() if k.startswith("CPU ") for x in v]
    report = {
        "cold_home_drawn_s": [round(s["home_drawn_s"], 3) for s in starts],
        "cold_interactive_s": [round(s["interactive_s"], 3) for s in starts],
        "model_still_loading": [s["model_still_loading"] for s in starts],
        "taps": {k: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": round(pct(v, .95), 1),
                     "max_ms": round(max(v), 1)} for k, v in taps.items()},
        "all_taps": {"n": len(everything), "p50_ms": round(statistics.median(everything), 1),
                     "p95_ms": round(pct(everything, .95), 1), "max_ms": round(max(everything), 1)},
        "all_taps_process_cpu": {"n": len(cpu), "p50_ms": round(statistics.median(cpu), 1),
                                   "p95_ms": round(pct(cpu, .95), 1), "max_ms": round(max(cpu), 1)},
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print(f"cold start, home drawn (s):        {report['cold_home_drawn_s']}")
    print(f"cold start, first tap answered (s): {report['cold_interactive_s']}")
    print(f"model still loading then:          {report['model_still_loading']}")
    for k, v in list(report["taps"].items()) + [("ALL", report["all_taps"]),
                                                ("CPU ALL (process)", report["all_taps_process_cpu"])]:
        print(f"{k:58} n={v['n']:4} p50 {v['p50_ms']:6.1f} ms  p95 {v['p95_ms']:6.1f} ms  max {v['max_ms']:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
