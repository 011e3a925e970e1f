"""The voice screen in the real app (headless Kivy window) and the learning loop: what it could not place is
queued only when the post shares it, and phrases learned on the next sync are understood at once."""

from __future__ import annotations

from kiosk.wiring import share_unplaced
from tests.ui.test_voice_flow import speak, spoken_wav, voice  # noqa: F401  (fixtures)

UNPLACED = "我 想 给 老伴 办 个 那个 本本"


def _utterances(outbox) -> list[dict]:
    return [i for i in outbox.items() if i["kind"] == "utterance"]


def test_unplaced_words_are_queued_only_when_shared_and_learned_words_count_at_once(ui, voice, monkeypatch):  # noqa: F811
    app = ui.app
    screen, services = app.sm.get_screen("voice"), app.services
    before = len(_utterances(services.outbox))
    assert services.share_unplaced is None                     # the test kiosk's config: the default, off
    speak(ui, voice, UNPLACED)
    assert screen.state == "retry"
    assert len(_utterances(services.outbox)) == before         # off: nothing queued

    monkeypatch.setattr(screen.dialogue(), "unplaced", lambda text: share_unplaced(services, text))
    speak(ui, voice, UNPLACED)
    assert screen.state == "fallback"
    assert len(_utterances(services.outbox)) == before + 1     # on: the words queued as their own kind

    # what the sync client stores after a cadre labelled the words: the screen's matcher has them at once
    learned = services.learned
    assert learned.update({"version": learned.version + 1, "phrases": {"welfare_aid": ["我想给老伴办个那个本本"]},
                           "not_requests": []})
    app.home()
    ui.pump(0.1)
    app.go("voice")
    ui.pump(0.1)
    speak(ui, voice, UNPLACED)
    assert screen.state == "confirm" and screen.dialogue().intent == "welfare_aid"
