"""Build the services the App and the CLI share, from the configuration."""

from __future__ import annotations

import logging

from kiosk.app import Services
from kiosk.config import Config
from kiosk.fonts import resolve_font, resolve_symbol_font
from sync.catalog import default_catalog

log = logging.getLogger(__name__)


def build_services(config: Config, *, speaker=None) -> Services:
    font = resolve_font(config["kiosk"]["font"] or None)
    symbols = resolve_symbol_font()
    services = Services(
        config=config,
        catalog=default_catalog(),
        speaker=speaker if speaker is not None else _real_speaker(config),
        font=str(font),
        symbol_font=str(symbols),
    )
    _wire_sync(services)
    _wire_voice(services)
    return services


def _real_speaker(config: Config):
    from voice.tts import EspeakSpeaker

    v = config["voice"]
    return EspeakSpeaker(v["tts_voice"], v["speech_rate"], v["volume"])


def _wire_voice(services: Services) -> None:
    """Microphone, recogniser (its model starts loading in a background thread now, so the touch
    screen never waits for it) and services.voice_health() for the admin screen and the heartbeat."""
    from voice.microphone import SoundDeviceMicrophone, microphone_test
    from voice.recognizer import VoskRecognizer

    cfg = services.config
    v = cfg["voice"]
    services.microphone = SoundDeviceMicrophone(v["microphone"])
    services.recognizer = VoskRecognizer(cfg.model_dir)
    if v["enabled"]:
        services.recognizer.start_loading()
    else:
        services.recognizer.error = "语音识别已关闭。"

    def voice_health() -> dict:
        off = "语音识别已关闭（voice.enabled = false）"
        return {"microphone": services.microphone.health if v["enabled"] else off,
                "model": services.recognizer.health if v["enabled"] else off,
                "tts": services.speaker.health}

    services.voice_health = voice_health
    services.microphone_test = lambda: microphone_test(services.microphone)


def _wire_sync(services: Services) -> None:
    """The outbox and the background sync worker (the App starts it in on_start)."""
    from kiosk import __version__
    from sync.client import SyncWorker, from_config, outbox_path
    from sync.outbox import Outbox

    cfg = services.config
    services.outbox = Outbox(outbox_path(cfg), cfg["post"]["code"])

    def heartbeat_info() -> dict:
        bad = [v for v in services.voice_health().values() if v != "ok"]
        return {"version": __version__, "voice_health": "；".join(bad)[:200] if bad else "ok",
                "printer_health": "无打印机"}

    services.sync = SyncWorker(from_config(cfg, services.outbox, heartbeat_info), cfg["server"]["sync_interval_s"])
