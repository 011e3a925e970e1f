"""`kiosk listen --wav FILE`, `kiosk say TEXT [--to-wav FILE]`, `kiosk model install|status`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assets.texts import t
from kiosk import config


def register(sub) -> None:
    p = sub.add_parser("listen", help="recognise a WAV file through the kiosk's listening path; prints JSON")
    p.add_argument("--wav", required=True, metavar="FILE", help="mono 16-bit WAV file, any sample rate")
    p.add_argument("--model", metavar="DIR", help="Vosk model folder (default: voice.model_dir)")
    p.add_argument("--grammar", action="append", metavar="PHRASE",
                   help="only these phrases (repeatable); --catalog-grammar: the catalog's phrases")
    p.add_argument("--catalog-grammar", action="store_true", help="restrict recognition to the catalog's phrases")
    p.set_defaults(func=listen)

    p = sub.add_parser("say", help="speak a sentence in Mandarin (or write it to a WAV file)")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--to-wav", metavar="FILE", help="write the speech to this WAV file instead of playing it")
    p.set_defaults(func=say)

    p = sub.add_parser("model", help="install or check the offline speech model")
    msub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    i = msub.add_parser("install", help="download (resumable), verify size and SHA-256, unpack atomically")
    i.add_argument("--from", dest="from_file", metavar="FILE", help="install from a copied archive, no download")
    i.add_argument("--url", help="download address (a mirror); default: the official address")
    i.add_argument("--sha256", help="expected SHA-256 (only with a different archive)")
    i.add_argument("--size", type=int, help="expected size in bytes (only with a different archive)")
    i.set_defaults(func=model_install)
    s = msub.add_parser("status", help="print what is installed (JSON)")
    s.set_defaults(func=model_status)


def _load(args):
    """The configuration, and logging to the kiosk's log file only: stderr carries the one error line."""
    from kiosk.cmd_sync import _log_to_file

    cfg = config.load(args.config)
    _log_to_file(cfg)
    return cfg


def _fail(msg: str):
    from kiosk.cli import CommandError

    return CommandError(msg)


def listen(args) -> int:
    cfg = _load(args)
    from voice.listen import listen as listen_once
    from voice.microphone import FileMicrophone
    from voice.recognizer import VoskRecognizer

    try:
        mic = FileMicrophone(args.wav)
    except (OSError, ValueError) as exc:
        raise _fail(t("cmd_voice.no_wav", path=args.wav, reason=exc.strerror) if isinstance(exc, OSError) else str(exc)) from None
    rec = VoskRecognizer(Path(args.model) if args.model else cfg.model_dir)
    if not rec.wait():
        raise _fail(rec.health)
    grammar = None
    out: dict = {}
    if args.grammar or args.catalog_grammar:
        from sync.catalog import default_catalog

        phrases = list(args.grammar or []) + (
            [p for c in default_catalog().categories for p in c.phrases] if args.catalog_grammar else [])
        g = rec.grammar(phrases)
        if not g.sentences:
            raise _fail(t("cmd_voice.no_known_word", count=len(phrases)))
        grammar, out["dropped_words"], out["model_has_unk"] = g, g.dropped, g.has_unk
    v = cfg["voice"]
    heard = listen_once(mic, rec, grammar=grammar, max_s=v["max_utterance_s"], end_silence_s=v["end_silence_s"])
    out = {"text": heard.text, "reason": heard.reason, "speech_s": round(heard.speech_s, 2),
           "finish_ms": round(heard.finish_s * 1000, 1), **out}
    try:
        from sync.catalog import default_catalog
        from voice.intents import IntentMatcher

        m = IntentMatcher.from_catalog(default_catalog()).match(heard.text)
        out.update(intent=m.intent, score=round(m.score, 3))
    except ImportError:
        pass
    print(json.dumps(out, ensure_ascii=False))
    return 0


def say(args) -> int:
    cfg = _load(args)
    from voice.tts import EspeakSpeaker

    v = cfg["voice"]
    speaker = EspeakSpeaker(v["tts_voice"], v["speech_rate"], v["volume"])
    try:
        if args.to_wav:
            try:
                speaker.to_wav(args.text, args.to_wav)
            except RuntimeError as exc:
                raise _fail(str(exc)) from None
            return 0
        speaker.say(args.text)
        if not speaker.wait_idle(60):
            raise _fail(t("cmd_voice.say_timeout"))
        if speaker.health != "ok":
            raise _fail(speaker.health)
        return 0
    finally:
        speaker.close()


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():   # a bar for people; logs and scripts get only the JSON result or one error line
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write("\r" + t("cmd_voice.progress", bar="#" * filled + "." * (width - filled), done=done / 1e6,
                                   total=total / 1e6, percent=100 * done // max(total, 1)))
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def model_install(args) -> int:
    cfg = _load(args)
    from voice import model_install as mi

    kw = {}
    if args.url:
        kw["url"] = args.url
    if args.sha256 or args.size:
        if not (args.sha256 and args.size):
            raise _fail(t("cmd_voice.sha256_and_size"))
        kw.update(sha256=args.sha256.lower(), size=args.size)
    try:
        result = mi.install(cfg.model_dir, from_file=Path(args.from_file) if args.from_file else None,
                            progress=_progress, timeout=cfg["server"]["timeout_s"] * 3, **kw)
    except mi.InstallError as exc:
        if sys.stderr.isatty() and not args.from_file:
            sys.stderr.write("\n")   # end the progress bar's line
        raise _fail(str(exc)) from None
    print(json.dumps(result, ensure_ascii=False))
    return 0


def model_status(args) -> int:
    cfg = _load(args)
    from voice import model_install as mi

    print(json.dumps(mi.status(cfg.model_dir), ensure_ascii=False))
    return 0
