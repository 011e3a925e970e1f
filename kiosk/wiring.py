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
    return Services(
        config=config,
        catalog=default_catalog(),
        speaker=speaker if speaker is not None else RecordingSpeaker(),
        font=str(font),
        symbol_font=str(symbols),
    )
