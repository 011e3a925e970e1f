from django.apps import AppConfig


class VoiceLearnConfig(AppConfig):
    name = "server.voicelearn"
    label = "voicelearn"
    verbose_name = "没听懂的话"

    def ready(self):
        # What kiosks could not place arrives through their durable outbox (kind "utterance").
        try:
            from server.api.kinds import HANDLERS
        except ImportError:   # the sync API app is not installed: nothing arrives
            return
        from server.voicelearn.kinds import handle_utterance

        HANDLERS["utterance"] = handle_utterance
