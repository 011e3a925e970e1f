"""Build the services the App and the CLI share, from the configuration (docs/architecture.md "Map").

Everything a screen uses outside the GUI is built here, once, and declared on `Services`; screens never
build parts of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assets.texts import t
from kiosk.config import Config
from kiosk.fonts import resolve_font, resolve_symbol_font
from sync.catalog import Catalog, default_catalog

if TYPE_CHECKING:   # the parts themselves are imported when built: numpy, requests... stay off a CLI's path
    from kiosk.printer import SlipPrinter
    from screens.lesson_session import LessonService
    from sync.client import SyncWorker
    from sync.learned import LearnedPhrases
    from sync.outbox import Outbox
    from voice.microphone import Microphone
    from voice.recognizer import Recognizer
    from voice.tts import Speaker

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything outside the GUI the screens may use (app.services). Built by build_services()."""

    config: Config
    catalog: Catalog
    speaker: Speaker
    font: str
    symbol_font: str
    outbox: Outbox | None = None                      # the durable queue of requests and lesson progress
    sync: SyncWorker | None = None                    # start()/stop()/kick(); the App starts it in on_start
    lessons: LessonService | None = None              # lessons, the lesson chosen, the class in progress
    microphone: Microphone | None = None
    recognizer: Recognizer | None = None              # VoskRecognizer: its model loads in the background
    voice_health: Callable[[], dict[str, str]] | None = None   # {"microphone", "model", "tts"}: "ok" or a sentence
    microphone_test: Callable[[], str] | None = None  # "ok" or a Chinese sentence
    learned: LearnedPhrases | None = None             # the post's phrases learned from the field (the matcher's)
    share_unplaced: Callable[[str], None] | None = None   # queue an utterance not understood; None: [voice] off
    voice_usable: Callable[[], str] | None = None    # "ok" when 按住说话 can work, else why not (home, admin)
    find_requests: Callable[..., dict] | None = None  # (phone_tail, building, unit, room) -> kiosk.find result
    lookup_receipt: Callable[[str], dict | None] | None = None   # a code this kiosk never held -> the server's answer
    printer: SlipPrinter | None = None                # [printer] device; None = no slip, no words about one


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
    services.printer = build_printer(config)
    services.find_requests = lambda *door: _find(services, *door)
    services.lookup_receipt = lambda code: _lookup(services, code)
    _wire_sync(services)
    _wire_learning(services)
    _wire_voice(services)
    _wire_lessons(services)
    return services


def _find(services: Services, phone_tail: str, building: str, unit: str, room: str) -> dict:
    from kiosk.find import find_requests

    return find_requests(services, phone_tail, building, unit, room)


def _lookup(services: Services, code: str) -> dict | None:
    from kiosk.find import lookup_receipt

    return lookup_receipt(services, code)


def build_printer(config: Config):
    from kiosk.printer import SlipPrinter

    device = config["printer"]["device"]
    return SlipPrinter(device) if device else None


def voice_usable(services: Services) -> str:
    """"ok" when 按住说话 can work (voice on, microphone found, model loaded or loading), else why not."""
    if services.voice_health is None:
        return t("health.voice_off")
    health = services.voice_health()
    if not services.config["voice"]["enabled"]:
        return health["model"]
    if health.get("microphone", "ok") != "ok":
        return health["microphone"]
    # a model still loading counts as usable (按住说话 says 请稍等 for those seconds); a missing one does not
    return getattr(services.recognizer, "error", None) or "ok"


def _wire_lessons(services: Services) -> None:
    """The lessons (bundled + downloaded), the lesson chosen and the class in progress, for the lesson screens."""
    from screens.lesson_session import LessonService

    services.lessons = LessonService(services)


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
        services.recognizer.error = t("health.voice_off")

    def voice_health() -> dict:
        off = t("health.voice_off_detail")
        return {"microphone": services.microphone.health if v["enabled"] else off,
                "model": services.recognizer.health if v["enabled"] else off,
                "tts": services.speaker.health}

    services.voice_health = voice_health
    services.microphone_test = lambda: microphone_test(services.microphone)
    services.voice_usable = lambda: voice_usable(services)


def _wire_sync(services: Services) -> None:
    """The outbox and the background sync worker (the App starts it in on_start)."""
    from kiosk import __version__
    from kiosk.printer import health as printer_health
    from sync.client import SyncWorker, from_config, outbox_path
    from sync.learned import FILE_NAME, LearnedPhrases
    from sync.outbox import Outbox

    cfg = services.config
    services.outbox = Outbox(outbox_path(cfg), cfg["post"]["code"])
    services.learned = LearnedPhrases(cfg.data_dir / FILE_NAME)

    def heartbeat_info() -> dict:
        bad = [v for v in services.voice_health().values() if v != "ok"]
        return {"version": __version__, "voice_health": "；".join(bad)[:200] if bad else "ok",
                "printer_health": printer_health(services.printer)}

    from kiosk.config import keep_public_url

    services.sync = SyncWorker(from_config(cfg, services.outbox, heartbeat_info, services.learned,
                                           on_public_url=lambda url: keep_public_url(cfg, url)),
                               cfg["server"]["sync_interval_s"])


def _wire_learning(services: Services) -> None:
    """What the kiosk could not understand goes to the post's cadres, only where [voice] share_unplaced is on."""
    if services.config["voice"]["share_unplaced"] and services.outbox is not None:
        services.share_unplaced = lambda text: share_unplaced(services, text)


def share_unplaced(services: Services, text: str) -> bool:
    """Queue `text` as an utterance item: scrubbed of digits and names, the words of the need only. -> queued."""
    from datetime import UTC, datetime

    from sync import protocol
    from voice.intents import strip_asr_spaces
    from voice.scrub import scrub

    words = scrub(strip_asr_spaces(text))[:protocol.UTTERANCE_FIELDS["text"]]
    try:
        item = protocol.utterance(text=words, heard_at=datetime.now(UTC).isoformat(timespec="seconds"))
    except ValueError as exc:   # nothing left after scrubbing, or still not sendable: nothing leaves the kiosk
        log.info("unplaced utterance not shared: %s", exc)
        return False
    from sync.outbox import OutboxError

    try:
        services.outbox.enqueue("utterance", item)
    except OutboxError as exc:   # a full disk: the resident's own requests come first
        log.warning("unplaced utterance not queued: %s", exc)
        return False
    if services.sync is not None:
        services.sync.kick()
    return True
