from __future__ import annotations

import pytest

from kiosk import config as kconfig
from tests.kivy_harness import start_app
from voice.tts import RecordingSpeaker


@pytest.fixture(scope="session")
def kiosk_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("kiosk-ui")
    cfg = kconfig.parse({"kiosk": {"data_dir": str(data)}, "screen": {"fullscreen": False}})
    h = start_app(cfg, RecordingSpeaker())
    yield h
    h.app.stop()


@pytest.fixture
def ui(kiosk_app):
    kiosk_app.app.home()
    kiosk_app.pump(0.1)
    return kiosk_app
