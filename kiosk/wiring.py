"""Build the services the App and the CLI share, from the configuration."""

from __future__ import annotations

import logging

from kiosk.app import Services
from kiosk.config import Config
from kiosk.fonts import resolve_font, resolve_symbol_font
from sync.catalog import default_catalog
from voice.tts import RecordingSpeaker

log = logging.getLogger(__name__)


def build_services(config: Config, *, speaker=None) -> Services:
    font = resolve_font(config["kiosk"]["font"] or None)
    symbols = resolve_symbol_font()
    services = Services(
        config=config,
        catalog=default_catalog(),
        speaker=speaker if speaker is not None else RecordingSpeaker(),
        font=str(font),
        symbol_font=str(symbols),
    )
    _wire_sync(services)
    return services


def _wire_sync(services: Services) -> None:
    """The outbox and the background sync worker (the App starts it in on_start)."""
    from kiosk import __version__
    from sync.client import SyncWorker, from_config, outbox_path
    from sync.outbox import Outbox

    cfg = services.config
    services.outbox = Outbox(outbox_path(cfg), cfg["post"]["code"])

    def heartbeat_info() -> dict:
        health = getattr(services, "voice_health", None) or services.extra.get("voice_health")
        voice = health() if callable(health) else {}
        bad = [v for v in voice.values() if v != "ok"]
        return {"version": __version__, "voice_health": "；".join(bad)[:200] if bad else ("ok" if voice else "未知"),
                "printer_health": "无打印机"}

    services.sync = SyncWorker(from_config(cfg, services.outbox, heartbeat_info), cfg["server"]["sync_interval_s"])
